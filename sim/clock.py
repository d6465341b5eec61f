"""The simulation clock: a simpy Environment whose pending steps are plain data.

Everything that happens later — the model's routines (sessions each hour, posting each day,
the daily round), an order's packing, shipping and days of use, a dated event — is a
:class:`Process`: a small object that records its stage and, each time it is resumed, does
that stage's work and says how long until its next one. Each pending stage is one simpy event
in the environment's queue, ordered as simpy orders them: by time, a new process's start
(``URGENT``) before anything else due then, then the order in which they were scheduled.

simpy's own processes are generators, which cannot be saved; these are objects, so the whole
clock — queue, time and the processes' stages — pickles with the model (a checkpoint) and a
restored run continues exactly where the saved one would have.
"""

from __future__ import annotations

from itertools import count
from types import MethodType
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, URGENT

__all__ = ["NORMAL", "URGENT", "Clock", "Process"]


class Process(Protocol):
    """One pending thing: ``resume(now)`` does its next stage and returns the hours until
    the stage after (``None``: it is finished)."""

    def resume(self, now: float) -> float | None: ...


class _Stage(simpy.Event):
    """A process's next stage, due at its scheduled time: already succeeded, so simpy calls
    :func:`_resume` when it comes up."""

    def __init__(self, env: Clock, process: Process) -> None:
        super().__init__(env)
        self._ok, self._value = True, None
        self.process = process
        self.callbacks.append(_resume)


def _resume(stage: _Stage) -> None:
    env = stage.env
    delay = stage.process.resume(env.now)
    if delay is not None:
        env.schedule(_Stage(env, stage.process), NORMAL, delay)  # type: ignore[arg-type]


class Clock(simpy.Environment):
    """Simulated hours (a float) and the stages due in them."""

    def start(self, process: Process) -> None:
        """Run ``process``'s first stage now, before anything else due now (as
        ``simpy.Environment.process`` starts a generator)."""
        self.schedule(_Stage(self, process), URGENT)

    # Pickling: simpy numbers events with an itertools counter (whose pickling Python 3.14
    # drops), so the counter is saved as its next number; an environment may also hold its
    # event classes bound to itself (methods pickle cannot name), which class lookup restores.
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if not isinstance(v, MethodType)}
        state["_eid"] = next(self._eid)
        self._eid = count(state["_eid"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _eid=count(state["_eid"]))
