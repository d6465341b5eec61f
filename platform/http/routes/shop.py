"""The shop: the catalogue, product pages, stock and prices, and the order lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from ...errors import Forbidden
from ..auth import Actor, Svc
from ..errors import ACT, BODY, error_responses
from ..schemas import (
    NewOrder,
    NewProduct,
    OrderOut,
    PathId,
    PriceIn,
    ProductOut,
    ProductPageOut,
    RestockIn,
    ReviewIn,
    SampleIn,
    ViewIn,
)

__all__ = ["router"]

router = APIRouter()


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    tags=["shop"],
    responses=error_responses(*BODY),
)
async def create_product(svc: Svc, actor: Actor, body: NewProduct) -> Any:
    """List a product; the token's user must be a brand."""
    p = svc.platform
    pid = p.create_product(
        actor, body.name, body.topic, body.price, body.stock, now=svc.now(), origin=body.origin
    )
    return ProductOut.of(p.product(pid))


@router.get(
    "/products/{product_id}",
    response_model=ProductOut,
    tags=["shop"],
    responses=error_responses(404, 422),
)
async def get_product(svc: Svc, product_id: PathId) -> Any:
    return ProductOut.of(svc.platform.product(product_id))


@router.get(
    "/products/{product_id}/page",
    response_model=ProductPageOut,
    tags=["shop"],
    responses=error_responses(404, 422),
)
async def get_product_page(
    svc: Svc, product_id: PathId, top: Annotated[int, Query(ge=1, le=100)] = 10
) -> Any:
    """The product with its word of mouth: the best notes tagging it and their totals."""
    page = svc.platform.product_page(product_id, top=top)
    return ProductPageOut(
        product=ProductOut.of(page.product),
        top_notes=list(page.top_notes),
        likes_on_notes=page.likes_on_notes,
        collects_on_notes=page.collects_on_notes,
    )


@router.post(
    "/products/{product_id}/views",
    response_model=ProductOut,
    tags=["shop"],
    responses=error_responses(*BODY),
)
async def view_product(
    svc: Svc, actor: Actor, product_id: PathId, body: Annotated[ViewIn | None, Body()] = None
) -> Any:
    """Open a product page; a visit from search or an ad is a touch for attribution."""
    channel = (body or ViewIn()).channel
    return ProductOut.of(
        svc.platform.view_product(actor, product_id, now=svc.now(), channel=channel)
    )


@router.post(
    "/products/{product_id}/restock",
    response_model=ProductOut,
    tags=["shop"],
    responses=error_responses(*BODY),
)
async def restock(svc: Svc, actor: Actor, product_id: PathId, body: RestockIn) -> Any:
    """Add stock: the product's brand, or staff."""
    p = svc.platform
    p.restock(actor, product_id, body.quantity, now=svc.now())
    return ProductOut.of(p.product(product_id))


@router.put(
    "/products/{product_id}/price",
    response_model=ProductOut,
    tags=["shop"],
    responses=error_responses(*BODY),
)
async def set_price(svc: Svc, actor: Actor, product_id: PathId, body: PriceIn) -> Any:
    p = svc.platform
    p.set_price(actor, product_id, body.price, now=svc.now())
    return ProductOut.of(p.product(product_id))


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    tags=["orders"],
    responses=error_responses(*BODY, 409),
)
async def place_order(svc: Svc, actor: Actor, body: NewOrder) -> Any:
    """Order a product as the token's user; stock is reserved at once (409 if short)."""
    p = svc.platform
    oid = p.place_order(actor, body.product, body.quantity, now=svc.now())
    return OrderOut.of(p.order(oid))


@router.post(
    "/products/{product_id}/samples",
    status_code=201,
    response_model=OrderOut,
    tags=["orders"],
    responses=error_responses(*BODY, 409),
)
async def send_sample(svc: Svc, actor: Actor, product_id: PathId, body: SampleIn) -> Any:
    """Send one free unit of the token's brand's own product to a user (409 if out of
    stock); it becomes a paid zero-price order marked ``sample``."""
    p = svc.platform
    oid = p.send_sample(actor, product_id, body.user, now=svc.now())
    return OrderOut.of(p.order(oid))


@router.get(
    "/orders/{order_id}", response_model=OrderOut, tags=["orders"], responses=error_responses(*ACT)
)
async def get_order(svc: Svc, actor: Actor, order_id: PathId) -> Any:
    """An order, visible to its buyer, the product's brand and staff."""
    p = svc.platform
    order = p.order(order_id)
    if not p.may_read_order(actor, order_id):
        raise Forbidden(f"order {order_id} is not yours", field="order_id", value=order_id)
    return OrderOut.of(order)


def _order_action(name: str, doc: str) -> None:
    """Register ``POST /orders/{id}/<name>`` calling ``Platform.<name>(actor, order)``."""

    async def action(svc: Svc, actor: Actor, order_id: PathId) -> Any:
        p = svc.platform
        getattr(p, name)(actor, order_id, now=svc.now())
        return OrderOut.of(p.order(order_id))

    action.__name__ = f"{name}_order"
    action.__doc__ = doc
    router.add_api_route(
        f"/orders/{{order_id}}/{name}",
        action,
        methods=["POST"],
        response_model=OrderOut,
        tags=["orders"],
        responses=error_responses(*ACT, 409),
        name=f"{name}_order",
    )


_order_action("pay", "Pay a placed order (the buyer).")
_order_action("ship", "Ship a paid order (the product's brand, or staff).")
_order_action("deliver", "Mark a shipped order delivered (the product's brand, or staff).")
_order_action("cancel", "Cancel before shipping (buyer or seller); the stock comes back.")
_order_action("refund", "Refund a delivered or reviewed order (the buyer).")


@router.post(
    "/orders/{order_id}/review",
    response_model=OrderOut,
    tags=["orders"],
    responses=error_responses(*BODY, 409),
)
async def review(svc: Svc, actor: Actor, order_id: PathId, body: ReviewIn) -> Any:
    """Rate a delivered order 1–5, optionally pointing at the buyer's review note."""
    p = svc.platform
    p.review(actor, order_id, body.rating, now=svc.now(), note=body.note)
    return OrderOut.of(p.order(order_id))
