"""A feature whose extra is missing says which extra to install, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from redloop.sim.extras import MissingExtra, require

REPO = Path(__file__).resolve().parents[2]


def test_require_names_the_extra_of_a_missing_module() -> None:
    with pytest.raises(
        MissingExtra, match=r"install the 'cluster' extra: pip install -e '\.\[cluster\]'"
    ):
        require("surely_not_installed_module", extra="cluster")


def test_require_passes_an_installed_module_without_importing_it() -> None:
    sys.modules.pop("json.tool", None)
    require("json.tool", extra="x")
    assert "json.tool" not in sys.modules


def test_a_ray_sweep_without_ray_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    """A Python in which ray cannot be found: the sweep fails with one line, no traceback."""
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n == 'ray' else real(n, *a)\n"
        "from redloop.sim.cli import main\n"
        f"sys.exit(main(['sweep', 'baseline', '--days', '2', '--users', '100', '--seeds', '1',"
        f" '--backend', 'ray', '--quiet', '--out', {str(tmp_path / 'o')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "redloop: error: ray is not installed; install the 'cluster' extra: "
        "pip install -e '.[cluster]'"
    ]
