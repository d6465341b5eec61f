"""The offline world as simpy processes: shipping, days of use, reviews, dated events.

Online sessions are drawn in bulk each hour (see :mod:`redloop.sim.model`); everything that
takes days in real life — delivery (overseas slower), using a product before forming an
opinion, a brand's collaboration going live, a festival — is a process here.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from redloop.agents.steps import run_inline

if TYPE_CHECKING:
    from redloop.agents.consumer import Consumer
    from redloop.sim.model import RedloopModel


class Offline:
    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.env: simpy.Environment = model.env
        self.orders_in_flight = 0

    def later(self, when: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args, now)`` at simulated time ``when`` (hours)."""
        self.env.process(self._at(when, fn, args))

    def _at(self, when: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> Generator:
        yield self.env.timeout(max(0.0, when - self.env.now))
        fn(*args, self.env.now)

    def start_order(self, order: int, buyer: Consumer, product: int) -> None:
        self.orders_in_flight += 1
        self.env.process(self._fulfil(order, buyer, product))

    def _days(self, mean: float) -> float:
        """A positive duration in hours with the given mean in days (gamma, shape 4)."""
        return float(self.model.streams.offline.rng.gamma(4.0, mean / 4.0)) * 24.0

    def _fulfil(self, order: int, buyer: Consumer, product: int) -> Generator:
        m = self.model
        b = m.behaviour
        cat = m.catalogue
        overseas = cat.origin[product] == "overseas"
        seller = m.seller_of(product)
        yield self.env.timeout(6.0 + 30.0 * m.streams.offline.random())  # packing
        m.platform.ship(seller, order, now=self.env.now)
        yield self.env.timeout(
            self._days(b.shipping_days_overseas if overseas else b.shipping_days_domestic)
        )
        m.platform.deliver(seller, order, now=self.env.now)
        self.orders_in_flight -= 1
        yield self.env.timeout(self._days(b.use_days))
        expectation = 0.55
        satisfaction = (
            cat.quality[product]
            - expectation
            + float(m.streams.offline.rng.normal(0.0, b.satisfaction_noise))
        )
        run_inline(buyer.review(order, product, satisfaction, self.env.now))
