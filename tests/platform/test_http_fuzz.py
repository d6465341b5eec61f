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

from redloop.platform.api import Platform, PlatformConfig
from redloop.platform.http import create_app, router

#: Per operation and phase. 12 keeps the file well under a minute on 2 cores; fuzz harder
#: with e.g. ``FUZZ_EXAMPLES=200 pytest tests/platform/test_http_fuzz.py -n 2``.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def _seeded_app():
    """Id 0 of each kind is the most actionable one, since generated ids are often 0."""
    ticks = itertools.count()
    p = Platform(
        PlatformConfig(
            pool_quotas=(3, 10, 50), pool_thresholds=(0.2, 0.2), pool_slot_weights=(0.5, 0.3, 0.2)
        ),
        rng=7,
    )
    ann = p.create_user("ann", "consumer", ["beauty", "skincare"], now=0)
    bo = p.create_user("bo", "consumer", ["food", "travel"], now=0)
    cy = p.create_user("cy", "creator", ["skincare"], now=0)
    brand = p.create_user("glowco", "brand", [], now=0)
    staff = p.create_user("editor", "staff", [], now=0)
    serum = p.create_product(brand, "Glow Serum", "skincare", 199.0, 10_000, now=0)
    p.create_product(brand, "Travel Mug", "travel", 59.0, 0, now=0, origin="overseas")
    ad = p.publish(brand, ["beauty", "skincare"], now=0, sponsor=brand, products=[serum])
    notes = [p.publish(cy, ["skincare"], now=0, products=[serum], title=f"n{i}") for i in range(3)]
    p.create_campaign(brand, ad, 1_000.0, now=0, topics=["beauty", "skincare"])
    p.follow(ann, cy, now=0, via_note=notes[0])
    p.read(ann, notes[0], now=0)
    p.comment(bo, notes[1], "nice", now=0)
    # orders 0..4: delivered, shipped, paid, placed, reviewed
    orders = [p.place_order(ann, serum, 1, now=0) for _ in range(5)]
    for order in (0, 1, 2, 4):
        p.pay(ann, orders[order], now=0)
    for order in (0, 1, 4):
        p.ship(brand, orders[order], now=0)
    for order in (0, 4):
        p.deliver(brand, orders[order], now=0)
    p.review(ann, orders[4], 5, now=0)
    link = p.share_outside(ann, notes[0], now=0)  # share 0: an outside link with visitors
    p.share_visited(link, 1_000, now=0)
    p.follow(bo, ann, now=0)
    p.deliver_share(ann, notes[0], [bo], now=0, parent=link)
    app = create_app(p, clock=lambda: next(ticks) / 100)
    tokens = {uid: app.state.tokens.issue(uid) for uid in (ann, bo, cy, brand, staff)}
    return app, tokens, ann, brand


APP, TOKENS, ANN, BRAND = _seeded_app()
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
        return TOKENS[BRAND]
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
