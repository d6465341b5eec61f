"""The command line's usage error, in a module of its own so that every command module
raises the one class ``redloop.sim.cli`` catches (also when it runs as ``python -m``)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the command line: printed without a traceback, exit code 2."""
