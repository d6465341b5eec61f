"""The visualiser's controls as data: the main sliders, brand controls and every schema key.

:class:`Params` is what Reset builds a model from. Its ``overrides`` are the dotted scenario
keys ``build_model`` and ``redloop run --set`` take, so a run in the browser can be repeated
headless. :func:`schema_fields` lists every scalar key of the scenario schema with its range
and unit, for the all-parameters panel; :func:`problem` validates pending values with the
schema's own error messages.
"""

from __future__ import annotations

import inspect
import math
import typing
from dataclasses import MISSING, dataclass, fields, is_dataclass, replace
from functools import cache
from typing import Any

from redloop.platform.api import CONFIG_LIMITS, PlatformConfig
from redloop.scenarios.schema import Scenario, ScenarioError, load, named

#: The scenario the visualiser opens on: its default run shows the S-curve and R_loop
#: crossing 1 within its own days.
DEFAULT_SCENARIO = "classroom_tipping"
#: Keys the main controls set; the all-parameters panel leaves them to those controls.
MAIN_KEYS = (
    "population.users",
    "population.sessions_per_day",
    "behaviour.open_rate",
    "behaviour.review_post_rate",
    "behaviour.post_purchase_sharing",
    "platform.recommender",
    "seed",
)
#: Text-only or structured keys the panel cannot edit as one value.
SKIPPED = ("name", "description")


@dataclass(frozen=True, slots=True)
class BrandControl:
    """One brand's weekly marketing budget (yuan) and strategy."""

    name: str
    budget: float
    strategy: str


@dataclass(frozen=True, slots=True)
class Params:
    """The visualiser's controls. Each maps to scenario keys (see :meth:`overrides`)."""

    scenario: str = DEFAULT_SCENARIO
    users: int = 2000
    sessions_per_day: float = 1.2
    open_rate: float = 0.06
    review_post_rate: float = 0.35
    recommender: str = "ces_pools"
    sharing: bool = True
    seed: int = 1
    brands: tuple[BrandControl, ...] = ()
    #: The all-parameters panel's edits: (dotted key, value), value as typed if not parsed.
    extra: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, scenario: str) -> Params:
        """The scenario's own values of every control."""
        sc = load(scenario)
        return cls(
            scenario=scenario,
            users=sc.population.users,
            sessions_per_day=sc.population.sessions_per_day,
            open_rate=sc.behaviour.open_rate,
            review_post_rate=sc.behaviour.review_post_rate,
            recommender=sc.platform_config().recommender,
            sharing=sc.behaviour.post_purchase_sharing,
            seed=sc.seed,
            brands=tuple(BrandControl(b.name, b.budget, b.strategy) for b in sc.brands),
        )

    def overrides(self) -> dict[str, Any]:
        """Dotted scenario keys, as ``build_model`` and ``redloop run --set`` take them."""
        out: dict[str, Any] = {
            "population.users": self.users,
            "population.sessions_per_day": self.sessions_per_day,
            "behaviour.open_rate": self.open_rate,
            "behaviour.review_post_rate": self.review_post_rate,
            "behaviour.post_purchase_sharing": self.sharing,
            "platform.recommender": self.recommender,
            "seed": self.seed,
            **dict(self.extra),
        }
        if self.brands:
            out["brands"] = _brand_tables(self.scenario, self.brands)
        return out

    def load(self) -> Scenario:
        return load(self.scenario, **self.overrides())

    def with_extra(self, key: str, value: Any) -> Params:
        """These controls with ``key`` set (or unset, when ``value`` is the scenario's)."""
        rest = tuple((k, v) for k, v in self.extra if k != key)
        if value == scenario_value(self.scenario, key):
            return replace(self, extra=rest)
        return replace(self, extra=(*rest, (key, value)))

    def with_brand(self, name: str, **changes: Any) -> Params:
        brands = tuple(replace(b, **changes) if b.name == name else b for b in self.brands)
        return replace(self, brands=brands)


def _brand_tables(scenario: str, controls: tuple[BrandControl, ...]) -> list[dict[str, Any]]:
    """The scenario's brand tables with each control's budget and strategy."""
    by_name = {c.name: c for c in controls}
    tables = []
    for table in _scenario_dict(scenario)["brands"]:
        c = by_name.get(table["name"])
        tables.append({**table, **({"budget": c.budget, "strategy": c.strategy} if c else {})})
    return tables


@cache
def _scenario_dict(scenario: str) -> dict[str, Any]:
    return load(scenario).to_dict()


def scenario_value(scenario: str, key: str) -> Any:
    """The scenario's own value of a dotted key (a ``platform.`` key: its override, else the
    platform's default)."""
    node: Any = _scenario_dict(scenario)
    if key.startswith("platform."):
        name = key.removeprefix("platform.")
        return node["platform"].get(name, getattr(PlatformConfig(), name))
    for part in key.split("."):
        node = node[part]
    return node


def problem(params: Params) -> str | None:
    """The schema's error for these controls (one line naming the key), or None if valid."""
    try:
        params.load()
    except ScenarioError as exc:
        return str(exc)
    return None


def describe(scenario: str) -> str:
    """A scenario's description on one line."""
    return " ".join(load(scenario).description.split())


def scenario_catalogue(*extra: str) -> dict[str, str]:
    """Named scenarios, the default first (plus any ``extra`` names or paths), and their
    descriptions."""
    names = [DEFAULT_SCENARIO, *named(), *extra]
    return {name: describe(name) for name in dict.fromkeys(names)}


# ===================================================================== the schema's keys


@dataclass(frozen=True, slots=True)
class SchemaField:
    """One scalar scenario key: its type, allowed values, unit and doc."""

    key: str
    kind: type
    default: Any
    doc: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def unit(self) -> str:
        return unit_of(self.key, self.doc, self.kind, self.lo, self.hi)

    @property
    def allowed(self) -> str:
        """The range or choices, as the panel shows them."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        if self.lo is not None:
            fmt = ",d" if self.kind is int else "g"
            if self.hi is None or math.isinf(self.hi):
                return "more than 0" if 0 < self.lo < 1e-6 else f"{self.lo:{fmt}} or more"
            return f"{self.lo:{fmt}} to {self.hi:{fmt}}"
        return "any text"

    def parse(self, text: str) -> Any:
        """The typed value of ``text``; text that is not one is returned as typed, so the
        schema's own check names the key and what it expected."""
        text = text.strip()
        try:
            if self.kind is bool:
                return {"true": True, "false": False}[text.lower()]
            if self.kind is int:
                return int(text.replace(",", "").replace("_", ""))
            if self.kind is float:
                return float(text.replace(",", "").replace("_", ""))
        except (KeyError, ValueError):
            return text
        return text


def unit_of(key: str, doc: str, kind: type, lo: float | None, hi: float | None) -> str:
    """A key's unit, from its name first, then its doc and range (the schema states units
    in prose)."""
    name = key.rsplit(".", 1)[-1]
    parts = name.split("_")
    if "seed" in parts:
        return "seed"
    if "days" in parts or name == "day":
        return "days"
    if "hours" in parts:
        return "hours"
    if name.endswith("_per_day") or (kind is float and "per day" in doc):
        return "per day"
    if "yuan" in doc or name in ("budget", "price"):
        return "¥"
    if kind is float and lo == 0 and hi is not None and hi <= 1:
        return "probability or share, 0–1"
    if kind is int:
        return "count"
    if kind is bool:
        return "on/off"
    return "choice" if kind is str else "number"


def _walk(cls: type, prefix: str = "") -> list[SchemaField]:
    hints = typing.get_type_hints(cls)
    out: list[SchemaField] = []
    for f in fields(cls):
        key, tp = f"{prefix}{f.name}", hints[f.name]
        if is_dataclass(tp):
            out += _walk(tp, f"{key}.")  # type: ignore[arg-type]
            continue
        if tp not in (int, float, str, bool) or key in SKIPPED or key in MAIN_KEYS:
            continue
        default = f.default if f.default is not MISSING else None
        meta = f.metadata
        out.append(
            SchemaField(
                key,
                tp,
                default,
                meta.get("doc", ""),
                meta.get("lo"),
                meta.get("hi"),
                meta.get("choices"),
            )
        )
    return out


def _platform_fields() -> list[SchemaField]:
    """The platform's scalar settings (the ``platform`` table's keys), with the ranges
    :data:`CONFIG_LIMITS` states and the ``#:`` comment above each in PlatformConfig."""
    docs = _attribute_docs(PlatformConfig)
    hints = typing.get_type_hints(PlatformConfig)
    out = []
    for f in fields(PlatformConfig):
        key, tp = f"platform.{f.name}", hints[f.name]
        if tp not in (int, float, str, bool) or key in MAIN_KEYS:
            continue
        lo, hi, _ = CONFIG_LIMITS.get(f.name, (None, None, False))
        out.append(SchemaField(key, tp, f.default, docs.get(f.name, ""), lo, hi))
    return out


def _attribute_docs(cls: type) -> dict[str, str]:
    """Each field's ``#:`` comment lines (the attribute-doc convention Sphinx reads)."""
    docs: dict[str, str] = {}
    comment: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        text = line.strip()
        if text.startswith("#:"):
            comment.append(text[2:].strip())
            continue
        name = text.split(":", 1)[0]
        if comment and name.isidentifier():
            docs[name] = " ".join(comment)
        comment = []
    return docs


@cache
def schema_fields() -> tuple[SchemaField, ...]:
    """Every scalar scenario key the all-parameters panel edits (the main controls' keys,
    the name and description aside), in the schema's order, then the platform's settings."""
    return (*_walk(Scenario), *_platform_fields())
