"""The load test's one error type."""

from __future__ import annotations

__all__ = ["LoadTestError"]


class LoadTestError(Exception):
    """Bad input or an unusable target: the CLI prints it and exits with 2."""
