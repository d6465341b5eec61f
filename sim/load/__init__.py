"""Load testing: the simulated crowd as traffic against the platform, in-process or over HTTP.

One job per module: :mod:`.shapes` (rate shapes, arrival plans), :mod:`.crowd` (who starts a
session), :mod:`.targets` (in-process, HTTP), :mod:`.result` (what a run did),
:mod:`.stats` (latency statistics), :mod:`.output` (the results files), :mod:`.command`
(``redloop loadtest``), :mod:`.leanhttp` (the lean HTTP client), :mod:`.server` (one
``redloop serve`` lifecycle), :mod:`.locustfile` and :mod:`.locust_runner` (Locust).
"""

from __future__ import annotations

from .command import LoadTestConfig, LoadTestReport, main_loadtest, parse_duration, run_loadtest
from .crowd import Crowd, build_crowd
from .errors import LoadTestError
from .locust_runner import LOCUSTFILE
from .output import write_results
from .server import spawned_server
from .shapes import COMPOSE, VISIT, Plan, arrival_times, make_shape
from .targets import HttpTarget, InProcessTarget

__all__ = [
    "COMPOSE",
    "LOCUSTFILE",
    "VISIT",
    "Crowd",
    "HttpTarget",
    "InProcessTarget",
    "LoadTestConfig",
    "LoadTestError",
    "LoadTestReport",
    "Plan",
    "arrival_times",
    "build_crowd",
    "main_loadtest",
    "make_shape",
    "parse_duration",
    "run_loadtest",
    "spawned_server",
    "write_results",
]
