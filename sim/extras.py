"""Optional dependencies: a feature that needs an extra says, in one line, which to install.

The runtime install carries only what running and viewing need (pyproject.toml); Ray, Locust
and JupyterLab come as the extras ``cluster``, ``load`` and ``notebook``.
"""

from __future__ import annotations

import importlib.util


class MissingExtra(Exception):
    """A feature's optional dependency is not installed: the message names the extra."""


def require(module: str, *, extra: str) -> None:
    """Fail with one line naming ``extra`` unless ``module`` can be imported.

    Checks without importing: some modules (Locust's gevent) patch the interpreter on import.
    """
    if importlib.util.find_spec(module) is None:
        raise MissingExtra(
            f"{module} is not installed; install the {extra!r} extra: pip install -e '.[{extra}]'"
        )
