"""Fuzz every HTTP endpoint from the OpenAPI schema: no 5xx, every response as documented.

Schemathesis generates valid and invalid requests for each operation. The platform is seeded
with users (and their tokens), notes, products, orders in every state and an ad campaign, and
each request carries a bearer token chosen so authenticated endpoints get past the 401 and
often past the 403, reaching the platform's own logic.
"""

from __future__ import annotations

import itertools
import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from redloop.platform.http import create_app, router

from ..people import ANN, BO, CY, EDITOR, GLOWCO, SERUM, small_platform

#: Per operation and phase. 12 keeps the file well under a minute on 2 cores; fuzz harder
#: with e.g. ``FUZZ_EXAMPLES=200 pytest tests/platform/test_http_fuzz.py -n 2``.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def _seeded_app():
    """Id 0 of each kind is the most actionable one, since generated ids are often 0."""
    ticks = itertools.count()
    p = small_platform(rng=7, serum_stock=10_000, collab_min_followers=15)
    ad = p.publish(GLOWCO, ["beauty", "skincare"], now=0, sponsor=GLOWCO, products=[SERUM])
    notes = [p.publish(CY, ["skincare"], now=0, products=[SERUM], title=f"n{i}") for i in range(3)]
    p.create_campaign(GLOWCO, ad, 1_000.0, now=0, topics=["beauty", "skincare"])
    p.follow(ANN, CY, now=0, via_note=notes[0])
    p.read(ANN, notes[0], now=0)
    p.comment(BO, notes[1], "nice", now=0)
    # orders 0..4: delivered, shipped, paid, placed, reviewed
    orders = [p.place_order(ANN, SERUM, 1, now=0) for _ in range(5)]
    for order in (0, 1, 2, 4):
        p.pay(ANN, orders[order], now=0)
    for order in (0, 1, 4):
        p.ship(GLOWCO, orders[order], now=0)
    for order in (0, 4):
        p.deliver(GLOWCO, orders[order], now=0)
    p.review(ANN, orders[4], 5, now=0)
    link = p.share_outside(ANN, notes[0], now=0)  # share 0: an outside link with visitors
    p.share_visited(link, 1_000, now=0)
    p.follow(BO, ANN, now=0)
    p.deliver_share(ANN, notes[0], [BO], now=0, parent=link)
    app = create_app(p, clock=lambda: next(ticks) / 100)
    tokens = {uid: app.state.tokens.issue(uid) for uid in (ANN, BO, CY, GLOWCO, EDITOR)}
    return app, tokens


APP, TOKENS = _seeded_app()
SELLER_PATHS = ("/products", "/campaigns", "/orders/{order_id}/ship", "/orders/{order_id}/deliver")

schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    APP,
    config=schemathesis.Config.from_dict(
        {
            "seed": 20_240_601,
            "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


def _token_for(case: schemathesis.Case) -> str:
    """The path's own user when it names a seeded one; the brand for seller endpoints."""
    user = (case.path_parameters or {}).get("user_id")
    if isinstance(user, int) and user in TOKENS:
        return TOKENS[user]
    if case.operation.path.startswith(SELLER_PATHS):
        return TOKENS[GLOWCO]
    return TOKENS[ANN]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_endpoint_survives_fuzzing(case: schemathesis.Case) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_token_for(case)}"}
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ]
    )


def test_the_fuzzed_schema_covers_every_route() -> None:
    routes = {(method, route.path) for route in router.routes for method in route.methods}
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }
    assert operations == routes
    assert len(operations) >= 40
