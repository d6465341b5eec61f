"""Common random numbers: streams keyed by purpose and hour, and what that buys a comparison."""

from __future__ import annotations

from redloop.scenarios.schema import load
from redloop.sim.model import RedloopModel
from redloop.sim.streams import BUILD, Purpose, Streams


def draws(streams: Streams, purpose: Purpose) -> tuple[float, list[float]]:
    stream = streams[purpose]
    return stream.random(), stream.rng.random(3).tolist()


def test_a_stream_depends_on_its_key_only() -> None:
    a, b = Streams(5), Streams(5)
    a.at_hour(3)
    for _ in range(100):  # a draws more in hour 3 than b does
        a.sessions.random()
        a.sessions.rng.random(7)
    b.at_hour(3)
    for streams in (a, b):
        streams.at_hour(4)
    assert draws(a, Purpose.SESSIONS) == draws(b, Purpose.SESSIONS)
    assert a.platform_seed == b.platform_seed


def test_streams_differ_by_purpose_hour_and_seed() -> None:
    seen = set()
    for seed in (1, 2):
        s = Streams(seed)
        for hour in (BUILD, 0, 1):
            s.at_hour(hour)
            for purpose in Purpose:
                seen.add(draws(s, purpose)[0])
    assert len(seen) == 2 * 3 * len(Purpose)


def test_rekeying_keeps_the_objects_processes_hold() -> None:
    s = Streams(1)
    held, rng = s.decisions, s.decisions.rng
    s.at_hour(0)
    first = held.random(), rng.random()
    s.at_hour(0)
    assert (held.random(), rng.random()) == first


def test_a_world_seed_keys_history_but_not_the_community() -> None:
    s, w = Streams(1), Streams(1)
    assert draws(s, Purpose.POPULATION) == draws(w, Purpose.POPULATION)
    w.enter_world(9)
    for streams in (s, w):
        streams.at_hour(0)
    assert draws(s, Purpose.SESSIONS) != draws(w, Purpose.SESSIONS)


def test_one_setting_changed_keeps_the_other_draws() -> None:
    """Buyers' sharing on vs off: who is online is drawn from its own stream, so both runs
    have the same sessions every day (with sign-ups from shares off, the crowd is the same);
    the runs still differ where sharing acts (reviews, from the second week)."""
    runs = {}
    for sharing in (True, False):
        scenario = load(
            "baseline",
            seed=3,
            **{
                "population.users": 600,
                "days": 14,
                "behaviour.post_purchase_sharing": sharing,
                "behaviour.share_signup_rate": 0.0,
            },
        )
        model = RedloopModel(scenario)
        model.run_days(14)
        runs[sharing] = (model.metrics(), model.platform.log.digest(), len(model.people))
    (on, on_digest, on_people), (off, off_digest, off_people) = runs[True], runs[False]
    assert on_people == off_people == 600
    assert on["sessions"].tolist() == off["sessions"].tolist()
    assert on["dau"].tolist() == off["dau"].tolist()
    assert on_digest != off_digest
