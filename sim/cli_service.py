"""The command line of the HTTP service: ``serve`` and ``loadtest``, and the checks of a
host and port that ``viz`` shares.

Kept apart from :mod:`redloop.sim.cli` (which wires these in); like it, nothing heavy is
imported until a command runs.
"""

from __future__ import annotations

import argparse
import errno
import socket
from pathlib import Path
from typing import Any

from .usage import UsageError

__all__ = ["add_commands", "check_bindable", "port"]


def port(value: str) -> int:
    """A port number for a flag: 1 to 65535."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {value!r}") from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is out of range; allowed 1 to 65535")
    return number


def check_bindable(host: str, port: int) -> None:
    """Say before the server starts what would make it fail: a host that is not an address
    of this machine, or a port already taken (the server's own error comes after its URL)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host {host}: does not resolve to an address") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"--port {port}: already in use on {host}; choose another with --port"
                ) from None
            raise UsageError(f"--host {host}: cannot listen there ({exc.strerror})") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from redloop.platform.http import serve
    from redloop.scenarios import schema

    check_bindable(args.host, args.port)
    # A scenario's platform settings make a load test comparable to an in-process run of it.
    config = schema.load(args.scenario).platform_config() if args.scenario else None
    data = None if args.memory else args.data
    return serve(args.host, args.port, args.recommender, config, data, access_log=args.access_log)


def cmd_loadtest(args: argparse.Namespace) -> int:
    from redloop.sim.load import LoadTestConfig, LoadTestError, main_loadtest, parse_duration
    from redloop.sim.load.command import DEFAULT_MAX_ERROR_RATE

    try:
        cfg = LoadTestConfig(
            target=args.target,
            users=args.users,
            duration=parse_duration(args.duration),
            shape=args.shape,
            scenario=args.scenario,
            rate=args.rate,
            seed=args.seed,
            out=Path(args.out) if args.out else None,
            max_p99_ms=args.max_p99_ms,
            max_error_rate=(
                DEFAULT_MAX_ERROR_RATE if args.max_error_rate is None else args.max_error_rate
            ),
            max_outstanding=args.max_outstanding,
            connections=args.connections,
            http_client=args.http_client,
            quiet=args.quiet,
        )
        return main_loadtest(cfg)
    except LoadTestError as exc:
        raise UsageError(str(exc)) from None


def add_commands(sub: Any) -> None:
    """Add ``serve`` and ``loadtest`` to the ``redloop`` subcommands."""
    serve = sub.add_parser("serve", help="serve the platform over HTTP (ASGI)")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=port, default=8000, help="port 1-65535 (default 8000)")
    serve.add_argument(
        "--scenario",
        help="take the platform settings (recommender, pools, seen filter...) of this scenario "
        "name or TOML file (default: the platform's defaults)",
    )
    serve.add_argument(
        "--recommender", help="discovery recommender (default: the scenario's, else ces_pools)"
    )
    keep = serve.add_mutually_exclusive_group()
    keep.add_argument(
        "--data",
        default="redloop-data",
        help="folder of the durable store: every change is committed before it is answered, "
        "and a restart carries on from it (default ./redloop-data)",
    )
    keep.add_argument(
        "--memory", action="store_true", help="keep the platform in memory only (lost on exit)"
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=cmd_serve)

    load = sub.add_parser(
        "loadtest",
        help="drive the simulated crowd at a platform (in-process or `redloop serve`)",
        description="Build a scenario's crowd on the target, then generate its sessions as an "
        "open model: Poisson arrivals at --rate x shape(t); each arrival runs one session "
        "without waiting for earlier ones. Writes loadtest.csv, timeline.csv, loadtest.html "
        "and summary.json; exits 1 when a --max-* threshold is breached (errors over 1% by "
        "default) or the target died.",
    )
    load.add_argument(
        "--target",
        default="inproc",
        help="'inproc' (a fresh in-process platform) or the URL of a fresh `redloop serve`",
    )
    load.add_argument("--users", type=int, default=500, help="crowd size (default 500)")
    load.add_argument("--duration", default="30s", help="run length: 90, 90s, 2m... (30s)")
    load.add_argument(
        "--shape",
        default="constant",
        help="arrival-rate shape: constant, diurnal, spike (5x in the middle tenth) or "
        "scenario (the scenario's days and festivals compressed into the run)",
    )
    load.add_argument("--scenario", help="scenario for the crowd and the scenario shape")
    load.add_argument("--rate", type=float, help="base sessions per second (default users x 0.05)")
    load.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    load.add_argument("--out", help="results folder (default results/loadtest-<shape>)")
    load.add_argument("--max-p99-ms", type=float, help="exit 1 if overall p99 exceeds this")
    load.add_argument(
        "--max-error-rate",
        type=float,
        help="exit 1 if the share of failed requests (0..1) exceeds this (default 0.01; 1 "
        "turns it off). A target that dies during the run always fails it",
    )
    load.add_argument(
        "--max-outstanding",
        type=int,
        default=2000,
        help="sessions in flight before arrivals are dropped (and counted)",
    )
    load.add_argument("--connections", type=int, default=100, help="HTTP connection pool size")
    load.add_argument(
        "--http-client",
        default="lean",
        help="lean (a minimal keep-alive HTTP/1.1 pool, ~0.1 ms CPU per request; default) "
        "or httpx (httpx.AsyncClient, ~1 ms+)",
    )
    load.add_argument("--quiet", action="store_true", help="no progress lines or table")
    load.set_defaults(func=cmd_loadtest)
