"""The redloop visualiser: a Solara page that runs a scenario live in the browser.

Start it with ``redloop viz [SCENARIO]`` (see :func:`serve`), or in Jupyter::

    from redloop.viz.app import Page
    Page("classroom_tipping", users=1000)  # the last expression of a cell displays the page

Panels: controls (``controls``: scenario, play/pause/step/reset and speed, pin a run to
compare, parameters, brands, every schema key), a plain-language explanation, live charts
with CSV and SVG downloads, the follower network, a feed inspector and a brand dashboard
(``panels``). The page only *reads* the model (``views.snapshot``) and steps it one
simulated day at a time; it never calls a platform operation itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from typing import cast

import solara

from .charts import Pinned, charts, csv_text
from .controls import DEFAULT_SPEED, SPEEDS, Controls, PinControls
from .panels import (
    CSS,
    LATEST,
    BrandDashboard,
    Charts,
    Explanation,
    FeedInspector,
    Header,
    NetworkPanel,
    inline_markdown,
)
from .params import DEFAULT_SCENARIO, Params
from .views import Sim, feed_snapshot, scenario_catalogue, snapshot

__all__ = [
    "LATEST",
    "BrandDashboard",
    "Charts",
    "Controls",
    "Explanation",
    "FeedInspector",
    "NetworkPanel",
    "Page",
    "inline_markdown",
    "serve",
]

#: The scenario a served page opens with (set by :func:`serve`).
SCENARIO_ENV = "REDLOOP_VIZ_SCENARIO"


def default_scenario() -> str:
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def initial_params(scenario: str | None, users: int | None, seed: int | None) -> Params:
    params = Params.of(scenario or default_scenario())
    if users is not None:
        params = replace(params, users=users)
    if seed is not None:
        params = replace(params, seed=seed)
    return params


def difference(pinned: Params, current: Params) -> str:
    """What sets a pinned run apart from the current settings, for the chart key."""
    a, b = pinned.overrides(), current.overrides()
    if pinned.scenario != current.scenario:
        return pinned.scenario
    changed = [
        f"{key.rsplit('.', 1)[-1]} {_short(a.get(key))}"
        for key in dict.fromkeys([*a, *b])
        if a.get(key) != b.get(key) and key != "brands"
    ]
    if a.get("brands") != b.get("brands"):
        changed.append("brand settings")
    return (
        ", ".join(changed[:2]) + ("…" if len(changed) > 2 else "") if changed else "same settings"
    )


def _short(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@solara.component
def Page(scenario: str | None = None, users: int | None = None, seed: int | None = None):
    """The whole visualiser: ``Page()`` in Jupyter, ``redloop viz`` in a browser.

    ``scenario`` (default: ``$REDLOOP_VIZ_SCENARIO`` or ``classroom_tipping``), ``users`` and
    ``seed`` override the starting values of the controls. Model state lives in reactive
    variables local to this page, so every browser tab (and every Jupyter output) runs its
    own model.
    """
    first = solara.use_memo(lambda: Sim(initial_params(scenario, users, seed), ahead=True), [])
    scenarios = solara.use_memo(lambda: scenario_catalogue(first.params.scenario), [])
    sim = solara.use_reactive(first)
    params = solara.use_reactive(first.params)  # the controls; applied on Reset
    tick = solara.use_reactive(0)  # bumped after every simulated day
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    feed_user = solara.use_reactive(cast(int | None, None))  # None: the most recent visitor
    pin = solara.use_reactive(cast(tuple[Params, Pinned] | None, None))
    ready = solara.use_reactive(0)  # the last day simulated ahead, ready for Step

    def step() -> None:
        sim.value.step_day()
        tick.set(tick.value + 1)

    def rebuild(new: Params) -> None:
        playing.set(False)
        fresh = Sim(new, ahead=True)
        params.set(new)
        sim.set(fresh)
        tick.set(0)
        feed_user.set(None)

    def play(cancel: threading.Event) -> None:
        current = sim.value
        until = current.play_until
        while playing.value and not cancel.is_set() and sim.value is current:
            step()
            if current.day >= until:
                playing.set(False)
                break
            cancel.wait(SPEEDS[speed.value])

    solara.use_thread(play, dependencies=[playing.value, sim.value], intrusive_cancel=False)

    current = sim.value
    solara.Title("redloop visualiser")
    solara.Style(CSS)
    with solara.Div(classes=["rl-page"]), solara.Columns([1, 3], gutters_dense=True):
        with solara.Column(gap="8px", classes=["rl-controls"]):
            Controls(
                params=params,
                applied=current.params,
                scenarios=scenarios,
                playing=playing.value,
                on_play=lambda: playing.set(not playing.value),
                on_step=step,
                on_reset=lambda: rebuild(params.value),
                on_scenario=lambda name: rebuild(Params.of(name)),
                speed=speed.value,
                on_speed=speed.set,
            )
        with solara.Column(gap="8px", classes=["rl-main"]):
            Live(current, tick, pin, feed_user, ready)


@solara.component
def Live(
    current: Sim,
    tick: solara.Reactive[int],
    pin: solara.Reactive[tuple[Params, Pinned] | None],
    feed_user: solara.Reactive[int | None],
    ready: solara.Reactive[int],
):
    """Everything that changes with a simulated day. Its own component, so a Step re-renders
    this column and nothing else (the controls keep still)."""
    day = tick.value  # a Step bumps it: this component re-renders, the page does not
    snap = solara.use_memo(lambda: snapshot(current), [current, day])
    feed = solara.use_memo(
        lambda: feed_snapshot(current, feed_user.value), [current, day, feed_user.value]
    )
    # once this day is drawn, simulate the next one so that Step only has to draw
    solara.use_effect(lambda: current.prefetch(ready.set), [current, day])
    pinned = None
    if pin.value is not None:
        pinned_params, run = pin.value
        pinned = replace(run, label=f"pinned: {difference(pinned_params, current.params)}")
    shown = solara.use_memo(
        lambda: snap.charts if pinned is None else charts(snap.metrics, pinned), [snap, pinned]
    )
    csv = solara.use_memo(lambda: csv_text(snap.metrics), [snap])

    def pin_run() -> None:
        pin.set((current.params, Pinned(f"day {current.day}", snap.metrics)))

    Header(snap, ready.value, current.play_until)
    Explanation(snap.explanation)
    PinControls(
        can_pin=snap.day > 0,
        pinned=pinned.label.removeprefix("pinned: ") if pinned else "",
        on_pin=pin_run,
        on_unpin=lambda: pin.set(None),
    )
    Charts(shown, csv, pinned.label if pinned else "")
    with solara.Columns([1, 1], gutters_dense=True):
        NetworkPanel(snap.network)
        FeedInspector(feed, current.feed_users, feed_user.set, feed_user.value)
    BrandDashboard(snap.brands, snap.brand_chart)


# ===================================================================== serving


def serve(scenario: str = DEFAULT_SCENARIO, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the page with Solara until Ctrl-C (then return 0); the server's exit code if it
    stops on its own (e.g. the port is taken).

    Runs ``python -m solara run redloop.viz.app:Page --production`` in a child process with
    Solara's telemetry off, so everything (front-end included, from ``solara-assets``) is
    served locally and works offline.
    """
    env = {
        # a closed tab's model (and its Play thread) is freed after 2 minutes, not 24 hours
        "SOLARA_KERNEL_CULL_TIMEOUT": "2m",
        **os.environ,
        SCENARIO_ENV: scenario,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        # the "Made with Solara" badge would cover the bottom-right chart
        "SOLARA_THEME_SHOW_BANNER": "False",
    }
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "redloop.viz.app:Page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]
    print(f"redloop viz: {scenario} at http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    # Own process group: Ctrl-C reaches only us, and we stop the server exactly once.
    child = subprocess.Popen(command, env=env, start_new_session=True)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return child.wait()
    except KeyboardInterrupt:
        _stop(child)
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            _stop(child)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Ask the server to shut down (SIGINT, as a terminal would), then insist."""
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            child.send_signal(sig)
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
        except KeyboardInterrupt:  # an impatient second Ctrl-C: stop now
            child.kill()
            child.wait()
            return
