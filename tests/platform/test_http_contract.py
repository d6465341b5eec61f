"""The HTTP contract is frozen: the OpenAPI schema and the routes may grow, never change.

``openapi_golden.json`` is ``create_app().openapi()`` and the route list as they were before the
service became a package. Every path, method, parameter, request and response schema, component
and route recorded there must still be there, identical; new ones may be added (a new key in an
object is an addition; a list must be equal, so a newly required field is a change).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from redloop.platform.http import create_app, router

GOLDEN = json.loads((Path(__file__).with_name("openapi_golden.json")).read_text())


def _differences(golden: Any, current: Any, where: str) -> list[str]:
    """Where ``current`` does not contain ``golden`` (objects may gain keys, nothing else)."""
    if isinstance(golden, dict):
        if not isinstance(current, dict):
            return [f"{where}: was an object, now {current!r}"]
        found: list[str] = []
        for key, value in golden.items():
            if key not in current:
                found.append(f"{where}/{key}: removed")
            else:
                found.extend(_differences(value, current[key], f"{where}/{key}"))
        return found
    if golden != current:
        return [f"{where}: {golden!r} became {current!r}"]
    return []


def test_the_openapi_schema_only_grows() -> None:
    current = json.loads(json.dumps(create_app().openapi()))  # tuples -> lists, as in the file
    assert _differences(GOLDEN["openapi"], current, "") == []


def test_every_route_keeps_its_method_path_and_name() -> None:
    current = {(tuple(sorted(r.methods)), r.path, r.name) for r in router.routes}
    missing = [r for r in GOLDEN["routes"] if (tuple(r[0]), r[1], r[2]) not in current]
    assert missing == []


def test_the_comparison_notices_a_change() -> None:
    """Guards the guard: a changed type, a removed key and a longer list are all caught."""
    golden = {"a": {"type": "integer"}, "required": ["x"]}
    assert _differences(golden, {"a": {"type": "integer", "new": 1}, "required": ["x"]}, "") == []
    assert _differences(golden, {"a": {"type": "string"}, "required": ["x"]}, "")
    assert _differences(golden, {"required": ["x"]}, "")
    assert _differences(golden, {"a": {"type": "integer"}, "required": ["x", "y"]}, "")
