"""HTTP methods: ``OPTIONS`` on a route is 204 with an ``Allow`` listing all its methods, a
405 carries the same ``Allow``, and a deeply nested JSON body is the documented 422.

(Sponsorship only through accepted collaborations is enforced by the platform and tested in
test_http.py: a consumer cannot publish a note sponsored by a brand that never agreed.)
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from redloop.platform.http import create_app, router


def methods_by_path() -> dict[str, set[str]]:
    """Each route path of the service with every method declared on it."""
    table: dict[str, set[str]] = defaultdict(set)
    for route in router.routes:
        assert isinstance(route, APIRoute)
        table[route.path] |= route.methods
    return table


TABLE = methods_by_path()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def allow(path: str) -> str:
    """What ``Allow`` must say for a template's concrete path: the methods of every template
    that path matches (``/shares/outside`` is also ``/shares/{share_id}``), and OPTIONS."""
    url = concrete(path)
    methods = {"OPTIONS"}
    for template, taken in TABLE.items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), url):
            methods |= taken
    return ", ".join(sorted(methods))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


@pytest.mark.parametrize("path", sorted(TABLE))
def test_options_lists_every_method_of_the_route(client: TestClient, path: str) -> None:
    r = client.options(concrete(path))
    assert r.status_code == 204 and r.content == b""
    assert r.headers["allow"] == allow(path)


@pytest.mark.parametrize("path", sorted(TABLE))
def test_a_method_the_route_does_not_take_is_405_with_allow(client: TestClient, path: str) -> None:
    wrong = next(m for m in ("PATCH", "DELETE", "PUT", "POST") if m not in allow(path))
    r = client.request(wrong, concrete(path))
    assert r.status_code == 405 and r.json()["error"] == "MethodNotAllowed"
    assert r.headers["allow"] == allow(path)


def test_a_path_with_several_routes_lists_them_all(client: TestClient) -> None:
    r = client.post("/users/1/following/2")
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, OPTIONS, PUT"


def test_options_on_an_unknown_path_is_404(client: TestClient) -> None:
    assert client.options("/no/such/route").status_code == 404


@pytest.mark.parametrize("opener", ["[", '{"a":'])
@pytest.mark.parametrize("depth", [20, 3_000, 9_000])  # all under the 64 kB body limit
def test_a_deeply_nested_body_is_422(client: TestClient, opener: str, depth: int) -> None:
    closer = "]" if opener == "[" else "}"
    body = '{"name": ' + opener * depth + "1" + closer * depth + "}"
    r = client.post("/users", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "InvalidInput" and r.json()["field"].startswith(
        "name" if depth == 20 else "body"
    )
