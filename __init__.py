"""redloop: an agent-based simulator of a social shopping community.

Subpackages: ``redloop.platform`` (the platform logic, usable alone), ``redloop.agents``,
``redloop.sim``, ``redloop.scenarios`` and ``redloop.viz``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("redloop")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
