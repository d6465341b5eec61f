"""Random numbers by purpose, re-keyed every simulated hour: common random numbers.

A comparison of two scenarios that differ in one setting (sharing on or off, one seeding
rule or another) is only as sharp as the noise it has to see through. With one generator
for everything, one extra draw early on (a share that was not made) shifts every later draw,
and the two runs become independent samples: the difference drowns in seed noise. Here each
*purpose* — who is online, what each person decides, who posts, the platform's feed
sampling, the brands' choices… — draws from its own stream, and every stream is re-keyed at
the start of each simulated hour from ``(seed, purpose, hour)``. Two runs then see the same
sessions, the same dice for the same decisions and the same feed randomness hour after hour
until their states really differ, and a divergence in one hour does not carry its shifted
draws into the next (Law 2015, *Simulation Modeling and Analysis*, ch. 11: common random
numbers; synchronisation by purpose and by time).

Keys: the community is built from ``(seed, purpose, BUILD)``; what happens in it from
``(history, purpose, hour)``, where ``history`` is the scenario's ``world_seed`` when set
(the same community in independent worlds, Salganik, Dodds & Watts 2006) and its ``seed``
otherwise. Because a stream's state at any hour is a function of the key alone, a run
resumed at an hour boundary needs no generator state.
"""

from __future__ import annotations

import random
from enum import IntEnum

import numpy as np

__all__ = ["BUILD", "Purpose", "Stream", "Streams"]

#: The "hour" key of everything drawn while the community is built, before the clock runs.
BUILD = -1


class Purpose(IntEnum):
    """What a stream's numbers are for (its key; never renumber: it would change every run)."""

    POPULATION = 0  # people's traits and the follower graph
    SESSIONS = 1  # who is online when
    DECISIONS = 2  # what each person does in a session, reviews, reshares
    POSTING = 3  # who posts and when
    NOTES = 4  # a new note's format and appeal
    OFFLINE = 5  # shipping times and how satisfied a buyer is
    GROWTH = 6  # share recipients, outside visitors and sign-ups
    BRANDS = 7  # brands' choices of products, creators and seeds
    STAFF = 8  # editors' judgement
    PLATFORM = 9  # the platform's feed sampling
    ADOPTION = 10  # Bass-mode adoption draws
    R_LOOP = 11  # R_loop's bootstrap


class Stream(random.Random):
    """One purpose's numbers: fast scalar draws (this stdlib ``Random``) and array draws
    (``rng``, a numpy Generator), re-keyed together in place so that references held by
    long-running processes stay valid."""

    def __init__(self) -> None:
        super().__init__(0)
        self.rng = np.random.Generator(np.random.PCG64(0))

    def key(self, *words: int) -> int:
        """Restart both generators from ``words``; returns a 63-bit seed derived from them
        (for a generator held elsewhere, e.g. the platform's)."""
        sequence = np.random.SeedSequence([w % 2**64 for w in words])
        state = sequence.generate_state(3, np.uint64)
        self.seed(int(state[0]))
        self.rng.bit_generator.state = np.random.PCG64(int(state[1])).state
        return int(state[2] >> np.uint64(1))


class Streams:
    """Every purpose's stream (an attribute named after it, e.g. ``streams.sessions``),
    keyed from the scenario's seeds."""

    population: Stream
    sessions: Stream
    decisions: Stream
    posting: Stream
    notes: Stream
    offline: Stream
    growth: Stream
    brands: Stream
    staff: Stream
    platform: Stream
    adoption: Stream
    r_loop: Stream

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.history = seed
        self._streams = {purpose: Stream() for purpose in Purpose}
        for purpose, stream in self._streams.items():
            setattr(self, purpose.name.lower(), stream)
        self.platform_seed = self._key(seed, BUILD)

    def __getitem__(self, purpose: Purpose) -> Stream:
        return self._streams[purpose]

    def enter_world(self, world_seed: int) -> None:
        """From the next hour on, key what happens from ``world_seed``."""
        self.history = world_seed

    def at_hour(self, hour: int) -> int:
        """Re-key every stream for simulated ``hour``; returns the platform's seed for it."""
        self.platform_seed = self._key(self.history, hour)
        return self.platform_seed

    def _key(self, base: int, hour: int) -> int:
        seeds = {p: s.key(base, p, hour) for p, s in self._streams.items()}
        return seeds[Purpose.PLATFORM]
