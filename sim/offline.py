"""The offline world: shipping, days of use, reviews, dated events.

Online sessions are drawn in bulk each hour (see :mod:`redloop.sim.model`); everything that
takes days in real life — delivery (overseas slower), using a product before forming an
opinion, a brand's collaboration going live, a festival — is a process on the model's
:class:`~redloop.sim.clock.Clock`, held as data (its stage and what it needs), so a
checkpoint can store it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redloop.agents.steps import run_inline

if TYPE_CHECKING:
    from redloop.agents.consumer import Consumer
    from redloop.sim.model import RedloopModel


class Offline:
    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.orders_in_flight = 0

    def later(self, when: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args, now)`` at simulated time ``when`` (hours)."""
        self.model.clock.start(Call(when, fn, args))

    def start_order(self, order: int, buyer: Consumer, product: int) -> None:
        self.orders_in_flight += 1
        self.model.clock.start(Fulfil(self, order, buyer, product))

    def days(self, mean: float) -> float:
        """A positive duration in hours with the given mean in days (gamma, shape 4)."""
        return float(self.model.streams.offline.rng.gamma(4.0, mean / 4.0)) * 24.0


class Call:
    """``fn(*args, now)`` at ``when`` (now, if that has passed)."""

    __slots__ = ("args", "fn", "when")

    def __init__(self, when: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.when, self.fn, self.args = when, fn, args

    def resume(self, now: float) -> float | None:
        if self.when is not None:  # started: wait until it is due
            delay, self.when = max(0.0, self.when - now), None
            return delay
        self.fn(*self.args, now)
        return None


class Fulfil:
    """One order (or free sample) from packing to the buyer's review: stage 0 packs, 1 ships,
    2 delivers, 3 has been used long enough to judge."""

    __slots__ = ("buyer", "offline", "order", "overseas", "product", "seller", "stage")

    def __init__(self, offline: Offline, order: int, buyer: Consumer, product: int) -> None:
        self.offline, self.order, self.buyer, self.product = offline, order, buyer, product
        self.stage = 0
        self.seller = -1
        self.overseas = False

    def resume(self, now: float) -> float | None:
        off = self.offline
        m = off.model
        b = m.behaviour
        self.stage += 1
        if self.stage == 1:  # packing
            self.overseas = m.catalogue.origin[self.product] == "overseas"
            self.seller = m.seller_of(self.product)
            return 6.0 + 30.0 * m.streams.offline.random()
        if self.stage == 2:
            m.platform.ship(self.seller, self.order, now=now)
            return off.days(b.shipping_days_overseas if self.overseas else b.shipping_days_domestic)
        if self.stage == 3:
            m.platform.deliver(self.seller, self.order, now=now)
            off.orders_in_flight -= 1
            return off.days(b.use_days)
        expectation = 0.55
        satisfaction = (
            m.catalogue.quality[self.product]
            - expectation
            + float(m.streams.offline.rng.normal(0.0, b.satisfaction_noise))
        )
        run_inline(self.buyer.review(self.order, self.product, satisfaction, now))
        return None
