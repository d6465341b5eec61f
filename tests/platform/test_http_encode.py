"""The hot routes' bytes (platform/http/encode.py): what pydantic would write, kept parts
dropped when they could be stale, counters always fresh."""

from __future__ import annotations

import math

import pydantic_core
import pytest

from redloop.platform.errors import NotFound
from redloop.platform.http.encode import Encoder, _float
from redloop.platform.http.schemas import EngagementOut, NoteOut

from ..people import ANN, BO, CY, small_platform


def _pydantic(note: NoteOut) -> bytes:
    return note.model_dump_json(by_alias=True).encode()


@pytest.mark.parametrize(
    "x", [0.0, -0.0, 1.0, 0.1, 1 / 3, 5e-5, 1e-4, 1.5e-9, 123.456, 1e15, 1e16, 2.5e300, math.inf]
)
def test_floats_are_written_as_pydantic_writes_them(x: float) -> None:
    assert _float(x).encode() == pydantic_core.to_json(x)
    assert _float(-x).encode() == pydantic_core.to_json(-x)


def test_nan_is_written_as_pydantic_writes_it() -> None:
    assert _float(math.nan).encode() == pydantic_core.to_json(math.nan)


def test_a_like_changes_the_next_answer() -> None:
    platform = small_platform()
    note = platform.publish(CY, ["skincare"], now=0.5, title="kept")
    encoder = Encoder()
    platform.read(ANN, note, now=1.0)
    before = encoder.note(platform, note)
    assert before == _pydantic(NoteOut.of(platform.note(note)))
    platform.like(ANN, note, now=1.1)
    after = encoder.note(platform, note)
    assert after != before and NoteOut.model_validate_json(after).likes == 1
    assert after == _pydantic(NoteOut.of(platform.note(note)))
    assert NoteOut.model_validate_json(after).interaction_rate == 1.0
    engaged = encoder.engagement(platform, False, note)
    assert EngagementOut.model_validate_json(engaged) == EngagementOut(
        changed=False, note=NoteOut.of(platform.note(note))
    )


def test_a_replaced_platform_gets_its_own_notes_answers() -> None:
    """After a failed commit the service's platform is replaced, and a note id can name
    another note there: nothing kept from the first platform may show."""
    first, second = small_platform(), small_platform()
    first.publish(CY, ["skincare"], now=0.5, title="the first platform's note")
    second.publish(CY, ["food"], now=0.7, title="the second platform's note")
    second.read(BO, 0, now=1.0)
    encoder = Encoder()
    assert b"first platform" in encoder.note(first, 0)
    answer = encoder.note(second, 0)
    assert answer == _pydantic(NoteOut.of(second.note(0)))
    assert b"first platform" not in answer and b'"reads":1' in answer


def test_an_unknown_note_is_the_platforms_not_found() -> None:
    with pytest.raises(NotFound):
        Encoder().note(small_platform(), 7)
