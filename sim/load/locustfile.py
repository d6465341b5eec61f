"""The redloop crowd as Locust users: realistic sessions against ``redloop serve``.

Run (the server must hold a fresh platform: start ``redloop serve`` anew for each crowd)::

    redloop serve --port 8000 &
    locust -f sim/load/locustfile.py --host http://127.0.0.1:8000                  # web UI :8089
    locust -f sim/load/locustfile.py RedloopShopperFast --headless -u 200 -r 50 -t 60s \\
        --host http://127.0.0.1:8000 --csv results/locust

Each task runs one crowd session — a person (weighted by activity) visits: a discovery,
following or search page, opens cards, likes, collects, comments, follows, maybe buys; or, at
the crowd's posting rate, a poster publishes a note. It is the agents' own behaviour code
(``agents/consumer.py``) driven through :class:`~redloop.platform.client.SessionClient` over
the user's ``self.client``, so Locust's statistics group by route (``GET /feed/discovery``).

Options (also as environment variables): ``--redloop-users`` / ``REDLOOP_USERS`` crowd size
(default 200), ``--redloop-scenario`` / ``REDLOOP_SCENARIO`` (baseline), ``--redloop-seed`` /
``REDLOOP_SEED`` (the scenario's), ``--redloop-think`` / ``REDLOOP_THINK`` mean seconds
between one Locust user's sessions (default 5; exponential, so many users make near-Poisson
arrivals: sessions/s ~ users / think; 0 = back to back, to saturate). Pick a user class by
name (``RedloopShopper`` uses requests, ``RedloopShopperFast`` geventhttpclient); without
one Locust runs both. ``REDLOOP_SHAPE=diurnal|spike|scenario`` (with
``REDLOOP_SHAPE_USERS``, ``REDLOOP_SHAPE_SECONDS``) adds a load shape that scales the user
count by the same shapes as ``redloop loadtest``.

Who builds the crowd (distributed mode)
---------------------------------------
The crowd must be created on the server exactly once: a server issues each user's token only
at sign-up, and the crowd model numbers people and products from 0 as a fresh platform does.
So the **master** (or the single local process) builds it over HTTP — at start-up when
``--host`` is given (so the build does not eat into ``-t``), else at test start — and hands
the token book to each **worker** through Locust's message API (a worker asks with
``redloop_crowd_request`` when its test starts; the master answers ``redloop_crowd``). A
worker rebuilds the same seeded crowd on a throwaway in-process platform, which assigns the
very same ids, so it knows every person's interests and activity without touching the server;
its users start once the book has arrived. Worker i of n runs sessions only for people with
``uid % n == i``, so each person's purchase intent and reading history live in one process
(a worker joining later may overlap another's share). A build is done once per process: later
runs in the web UI reuse the crowd (restart both to change the host).
"""

from __future__ import annotations

import logging
import os
import random
import time
from typing import Any

import gevent
import numpy as np
from gevent.event import Event
from locust import FastHttpUser, HttpUser, LoadTestShape, events
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from redloop.agents.steps import drive_sync
from redloop.platform.api import Platform, PlatformError
from redloop.platform.client import Calls, Client, SessionClient, TokenBook
from redloop.scenarios.schema import Scenario, load
from redloop.sim.load.crowd import Crowd, build_crowd
from redloop.sim.load.shapes import COMPOSE, VISIT, make_shape

log = logging.getLogger("redloop.locust")
REQUEST, CROWD = "redloop_crowd_request", "redloop_crowd"


class _State:
    """This process's crowd (one per process, shared by its users)."""

    def __init__(self) -> None:
        self.crowd: Crowd | None = None
        self.tokens: TokenBook | None = None
        self.spec: dict[str, Any] | None = None  # what workers need to rebuild it
        self.ready = Event()
        self.error: str | None = None
        self.waiting: list[str] = []  # workers that asked before the crowd existed
        self.clock0 = time.monotonic()
        self.users_started = 0


STATE = _State()


def _option(environment: Any, name: str, env: str, default: Any, kind: type) -> Any:
    opts = getattr(environment, "parsed_options", None)
    value = getattr(opts, name, None) if opts is not None else None
    if value is None:
        value = os.environ.get(env)
    return default if value in (None, "") else kind(value)


def _scenario(spec: dict[str, Any]) -> Scenario:
    overrides: dict[str, Any] = {"population.users": spec["users"]}
    if spec.get("seed") is not None:
        overrides["seed"] = spec["seed"]
    return load(spec["scenario"], **overrides)


def _install(scenario: Scenario, model: Any, book: TokenBook) -> None:
    STATE.crowd = Crowd(model, np.random.default_rng([scenario.seed, os.getpid()]))
    STATE.tokens = book
    STATE.clock0 = time.monotonic()
    STATE.ready.set()


def _build_on_server(environment: Any) -> None:
    """Master / local: create the crowd on the server (once per process)."""
    if STATE.crowd is not None:
        return
    spec = {
        "scenario": _option(environment, "redloop_scenario", "REDLOOP_SCENARIO", "baseline", str),
        "users": _option(environment, "redloop_users", "REDLOOP_USERS", 200, int),
        "seed": _option(environment, "redloop_seed", "REDLOOP_SEED", None, int),
    }
    scenario = _scenario(spec)
    book = TokenBook()
    with Client(environment.host, tokens=book) as client:
        health = client.health()
        if health.get("users"):
            raise RuntimeError(
                f"{environment.host} already has {health['users']} users: the crowd is built on "
                "a fresh platform; restart `redloop serve`"
            )
        started = time.perf_counter()
        # Behaviour yields Calls; each Locust user sends them on its own session.
        model = build_crowd(scenario, client, acts_through=Calls(book))
    log.info(
        "redloop: crowd of %d built on %s in %.1f s",
        len(model.people),
        environment.host,
        time.perf_counter() - started,
    )
    STATE.spec = {**spec, "book": book.export()}
    _install(scenario, model, book)
    for node in STATE.waiting:
        _send_crowd(environment.runner, node)
    STATE.waiting.clear()


def _fail(environment: Any, message: str) -> None:
    log.error("redloop: %s", message)
    STATE.error = message
    STATE.ready.set()  # wake waiting users so they stop
    environment.process_exit_code = 2
    if environment.runner is not None:
        gevent.spawn_later(0, environment.runner.quit)


# ---------------------------------------------------------------- Locust events


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    parser.add_argument(
        "--redloop-users", type=int, env_var="REDLOOP_USERS", default=200, help="crowd size"
    )
    parser.add_argument(
        "--redloop-scenario", env_var="REDLOOP_SCENARIO", default="baseline", help="scenario"
    )
    parser.add_argument(
        "--redloop-seed", type=int, env_var="REDLOOP_SEED", default=None, help="crowd seed"
    )
    parser.add_argument(
        "--redloop-think",
        type=float,
        env_var="REDLOOP_THINK",
        default=5.0,
        help="mean seconds between a user's sessions (exponential; 0: back to back)",
    )


def _send_crowd(runner: Any, node: str) -> None:
    """Master: the crowd for one worker, with its share of the people (by worker index)."""
    part = runner.get_worker_index(node)
    parts = max(runner.worker_count, part + 1)
    runner.send_message(CROWD, {**STATE.spec, "part": part, "parts": parts}, client_id=node)


def _on_request(environment: Any, msg: Any, **_: Any) -> None:
    """Master: a worker asks for the crowd."""
    if STATE.spec is not None:
        _send_crowd(environment.runner, msg.node_id)
    else:
        STATE.waiting.append(msg.node_id)


def _on_crowd(environment: Any, msg: Any, **_: Any) -> None:
    """Worker: rebuild the master's crowd locally (same seed, same ids) with its tokens."""
    if STATE.crowd is not None:
        return
    spec = msg.data
    scenario = _scenario(spec)
    book = TokenBook.load(spec["book"])
    model = build_crowd(
        scenario,
        Platform(scenario.platform_config(), rng=scenario.seed),
        acts_through=Calls(book),
    )
    missing = [p.uid for p in model.people if p.uid not in book]
    if missing:
        _fail(environment, f"the master's token book lacks {len(missing)} of the crowd's users")
        return
    _install(scenario, model, book)
    STATE.crowd.partition(spec["part"], spec["parts"])
    log.info(
        "redloop: worker %d of %d received a crowd of %d",
        spec["part"] + 1,
        spec["parts"],
        len(model.people),
    )


@events.init.add_listener
def _on_init(environment: Any, runner: Any = None, **_: Any) -> None:
    if isinstance(runner, MasterRunner):
        runner.register_message(REQUEST, _on_request)
    elif isinstance(runner, WorkerRunner):
        runner.register_message(CROWD, _on_crowd, concurrent=True)
        return
    if runner is not None and environment.host:
        try:  # eagerly, so that a headless -t counts only the load
            _build_on_server(environment)
        except Exception as exc:
            log.warning("redloop: crowd not built at start-up (%s); will retry at test start", exc)


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        if not STATE.ready.is_set():
            runner.send_message(REQUEST, None)
        return
    if not environment.host:
        _fail(environment, "no host: pass --host http://127.0.0.1:8000 (or set it in the UI)")
        return
    try:
        _build_on_server(environment)
    except Exception as exc:
        _fail(environment, f"cannot build the crowd on {environment.host}: {exc}")


# ---------------------------------------------------------------- users


def crowd_session(user: Any) -> None:
    """One task: one crowd session (a visit, or at the posting rate a compose)."""
    crowd = STATE.crowd
    if crowd is None:
        raise StopUser()
    share = crowd.compose_share
    kind = COMPOSE if user.rng.random() < share / (1.0 + share) else VISIT
    person = crowd.pick(kind)
    if person is None:  # everyone drawn is already in a session
        return
    now = (time.monotonic() - STATE.clock0) / 3600.0
    try:
        drive_sync(crowd.steps(person, kind, now), user.redloop.execute)
    except PlatformError:
        pass  # the failed request is already in Locust's statistics
    finally:
        crowd.release(person)


class _Shopper:
    """Shared by both user classes (listed first in their bases)."""

    environment: Any
    client: Any

    rng: random.Random
    think = 5.0

    def wait_time(self) -> float:
        return self.rng.expovariate(1.0 / self.think) if self.think > 0 else 0.0

    def on_start(self) -> None:
        STATE.users_started += 1
        self.rng = random.Random(STATE.users_started * 7919 + os.getpid())
        self.think = _option(self.environment, "redloop_think", "REDLOOP_THINK", 5.0, float)
        if not STATE.ready.wait(timeout=120) or STATE.error or STATE.tokens is None:
            raise StopUser()
        self.redloop = SessionClient(self.client, tokens=STATE.tokens)


class RedloopShopper(_Shopper, HttpUser):
    """The crowd over Locust's requests-based ``HttpSession``."""

    tasks = [crowd_session]  # noqa: RUF012 - Locust's declarative task list


class RedloopShopperFast(_Shopper, FastHttpUser):
    """The crowd over Locust's geventhttpclient-based ``FastHttpSession`` (faster)."""

    tasks = [crowd_session]  # noqa: RUF012 - Locust's declarative task list


if os.environ.get("REDLOOP_SHAPE"):

    class RedloopLoadShape(LoadTestShape):
        """Scale the user count by a ``redloop loadtest`` shape: with think times much longer
        than sessions, the session rate follows the user count."""

        def __init__(self) -> None:
            super().__init__()
            self.seconds = float(os.environ.get("REDLOOP_SHAPE_SECONDS", "300"))
            self.base = int(os.environ.get("REDLOOP_SHAPE_USERS", "100"))
            scenario = None
            if os.environ["REDLOOP_SHAPE"] == "scenario":
                scenario = load(os.environ.get("REDLOOP_SCENARIO", "baseline"))
            self.shape = make_shape(os.environ["REDLOOP_SHAPE"], self.seconds, scenario)

        def tick(self) -> tuple[int, float] | None:
            t = self.get_run_time()
            if t >= self.seconds:
                return None
            users = max(1, round(self.base * float(self.shape(t))))
            return users, float(max(users, 10))
