"""The public surface: ``api.__all__`` matches the exports, and ``platform/`` stays a namespace
package so ``import platform`` from the repo root still gets the standard library."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from redloop.platform import api

REPO = Path(__file__).resolve().parents[2]


def test_all_names_exist() -> None:
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []


def test_all_lists_every_public_export_once() -> None:
    public = {
        name
        for name, value in vars(api).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert len(api.__all__) == len(set(api.__all__)), "duplicates in __all__"
    assert set(api.__all__) == public


def test_facade_entities_and_errors_are_exported() -> None:
    """The style guide's promise: the facade, the entity views and the error tree."""
    for name in (
        "Platform",
        "PlatformConfig",
        "User",
        "Note",
        "Product",
        "Order",
        "PlatformError",
        "NotFound",
        "Conflict",
        "OutOfStock",
        "InvalidTransition",
        "InvalidInput",
        "Forbidden",
        "EventLog",
        "read_sqlite",
    ):
        assert name in api.__all__


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from redloop.platform.api import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(api.__all__)


def test_platform_dir_is_a_namespace_package() -> None:
    assert (REPO / "platform" / "core.py").is_file()
    assert not (REPO / "platform" / "__init__.py").exists()


def test_import_platform_from_repo_root_is_the_stdlib() -> None:
    """Run from the repo root (first on sys.path), ``import platform`` must not pick our folder."""
    code = "import platform, sys; print(platform.python_version()); print(platform.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    version, location = result.stdout.split()
    assert version == ".".join(map(str, sys.version_info[:3]))
    assert Path(location).resolve().parent != (REPO / "platform").resolve()


def test_numpy_imports_from_repo_root() -> None:
    """numpy imports the stdlib ``platform``; it must work with the repo root on sys.path."""
    result = subprocess.run(
        [sys.executable, "-c", "import numpy; print(numpy.__version__)"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
