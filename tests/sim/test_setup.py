"""Set-up installs what the job needs: the runtime for `make run`, the dev extra for tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_runtime_carries_no_test_cluster_load_or_notebook_tools() -> None:
    runtime = names(PROJECT["dependencies"])
    assert {"numpy", "mesa", "solara", "matplotlib", "fastapi"} <= runtime
    extras = PROJECT["optional-dependencies"]
    for extra, tools in {
        "test": {"pytest", "hypothesis", "playwright", "nbclient"},
        "dev": {"ruff", "import-linter"},
        "load": {"locust"},
        "cluster": {"ray"},
        "notebook": {"jupyterlab", "ipykernel"},
    }.items():
        assert tools <= names(extras[extra]), extra
        assert not tools & runtime, extra


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
@pytest.mark.parametrize(("target", "extra"), [("run", ""), ("test", " dev")])
def test_make_installs_the_runtime_to_run_and_the_dev_extra_to_test(
    tmp_path: Path, target: str, extra: str
) -> None:
    venv = tmp_path / "venv"
    plan = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    assert f'bash .ci/setup-venv "{venv}"{extra}\n' in plan


def test_setup_script_is_valid_bash_and_says_each_step() -> None:
    script = REPO / ".ci" / "setup-venv"
    subprocess.run(["bash", "-n", str(script)], check=True)
    steps = re.findall(r'step "([^"]+)', script.read_text())
    assert any(s.startswith("installing") for s in steps) and any("done" in s for s in steps)
    assert any("uv" in s for s in steps) and any("with pip instead" in s for s in steps)
