"""Scenario schema: typed, documented, validated. One dataclass per TOML table.

Every field carries its allowed range and a one-line doc in ``metadata``; :func:`load`
checks a TOML document against the dataclasses and raises :class:`ScenarioError` naming the
file, the key path and what is allowed (with a did-you-mean for unknown keys).
Scenarios may ``extends = "other"`` (a named scenario or a path) and override a few keys.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from redloop.platform.api import RECOMMENDERS, TOPICS, PlatformConfig, PlatformError

SCENARIO_DIR = Path(__file__).resolve().parent


class ScenarioError(ValueError):
    """A scenario file is invalid. ``str(err)`` is a complete message for the user."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


class OverrideError(ScenarioError):
    """An override (a command-line flag or ``--set key=value``) is invalid, not the file."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__("override", key, problem)


def spec(
    default: Any,
    doc: str,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A scenario field with its default, documentation and allowed values."""
    meta = {"doc": doc, "lo": lo, "hi": hi, "choices": choices}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


STRATEGIES = ("none", "koc_seeding", "head_kols", "feed_ads", "search_ads", "discounts", "adaptive")
STRATEGIES += ("free_samples",)  # seeding by choice (agents/brand.py Brand.send_samples)
#: Whom ``free_samples`` seeds: a rule of agents/seeding.py, or the named ``seeding_accounts``.
SEEDING_RULES = ("top_degree", "random", "greedy", "accounts")
EVENT_KINDS = ("festival", "recommender", "price", "campaign", "sharing")


@dataclass
class Population:
    users: int = spec(2_000, "simulated accounts (consumers and creators)", 10, 5_000_000)
    creator_share: float = spec(0.03, "share of accounts that are creators", 0.0, 0.5)
    head_kol_share: float = spec(
        0.05, "share of creators (by followers) that are head KOLs", 0.0, 1.0
    )
    interest_mix: dict[str, float] = spec(
        {t: 1.0 for t in TOPICS}, "relative popularity of each topic among users"
    )
    interests_per_user: int = spec(3, "topics each user declares", 1, 12)
    graph: str = spec(
        "powerlaw_cluster",
        "follower graph generator",
        choices=("powerlaw_cluster", "random", "none"),
    )
    graph_m: int = spec(3, "edges each newcomer adds in the graph generator", 1, 50)
    graph_triangle_p: float = spec(0.3, "probability of closing a triangle (clustering)", 0, 1)
    sessions_per_day: float = spec(1.2, "mean sessions per user per day", 0.0, 50.0)
    activity_sigma: float = spec(1.0, "lognormal spread of activity across users", 0.0, 3.0)
    poster_share: float = spec(
        0.09, "share of consumers who ever post organically (90-9-1)", 0.0, 1.0
    )
    organic_posts_per_day: float = spec(0.05, "posting rate of a poster (notes/day)", 0.0, 20)
    creator_posts_per_day: float = spec(0.6, "posting rate of a creator (notes/day)", 0.0, 50)
    budget_mean: float = spec(800.0, "mean monthly shopping budget (yuan)", 0.0, 1e6)
    price_sensitivity: float = spec(1.0, "mean price sensitivity", 0.0, 10.0)
    susceptibility: float = spec(1.0, "mean susceptibility to word of mouth", 0.0, 10.0)
    creator_product_posts: float = spec(
        0.15, "share of creator posts that recommend a product, unpaid", 0, 1
    )
    creator_fee_floor: float = spec(
        300.0, "what the median creator charges for a sponsored note (yuan)", 0, 1e6
    )
    creator_fee_elasticity: float = spec(1.2, "fee grows as (followers / median)^this", 0, 3)
    sponsored_trust: float = spec(0.5, "weight given to sponsored notes vs organic", 0.0, 1.0)


@dataclass
class Behaviour:
    channel_discovery: float = spec(0.7, "weight of the discovery feed in a session", 0, 1)
    channel_following: float = spec(0.2, "weight of the following feed", 0, 1)
    channel_search: float = spec(0.1, "weight of search (raised by purchase intent)", 0, 1)
    open_rate: float = spec(0.06, "base probability to open a card of average appeal", 0, 1)
    scroll_on: float = spec(
        0.8,
        "probability to scroll on to the next row of cards (two per row in the two-column "
        "feed and search, one in the following feed): lower cards are seen less",
        0,
        1,
    )
    social_proof: float = spec(
        0.25,
        "elasticity of a discovery card's pull in the like count it shows: the chance to "
        "open it scales with (1 + likes)^this over the page's mean (Salganik et al. 2006)",
        0,
        2,
    )
    cover_correlation: float = spec(
        1.0,
        "correlation of a note's cover (what draws the click) with its content (what earns "
        "likes and collects), on the log scale: 1, one trait drives both; 0, independent",
        -1,
        1,
    )
    off_interest: float = spec(
        0.35, "relative chance to open or engage with a note outside one's interests", 0, 1
    )
    like_rate: float = spec(0.015, "probability to like an opened note of average appeal", 0, 1)
    collect_rate: float = spec(0.008, "probability to collect an opened note", 0, 1)
    comment_rate: float = spec(0.002, "probability to comment on an opened note", 0, 1)
    share_rate: float = spec(0.001, "probability to share an opened note", 0, 1)
    reshare_rate: float = spec(
        0.05, "probability to reshare a note opened from a share (of average appeal)", 0, 1
    )
    share_outside_share: float = spec(
        0.5, "share of shares sent to a messaging app rather than to followers in the app", 0, 1
    )
    share_recipients: int = spec(
        2, "followers an in-app share goes to (among those interested in the note)", 1, 20
    )
    share_outside_visitors: float = spec(
        1.5, "mean outside visitors an out-of-app share brings (Poisson)", 0, 1000
    )
    share_signup_rate: float = spec(0.05, "probability an outside visitor signs up", 0, 1)
    share_open_rate: float = spec(
        0.3, "probability to open a note a friend shared with you (of average appeal)", 0, 1
    )
    follow_rate: float = spec(0.005, "probability to follow the author of an opened note", 0, 1)
    intent_gain: float = spec(0.35, "purchase intent added by a positive note read", 0, 10)
    intent_half_life_days: float = spec(7.0, "how fast purchase intent fades", 0.1, 365)
    buy_beta: float = spec(0.25, "purchase hazard per unit of intent in a session", 0, 10)
    post_purchase_sharing: bool = spec(True, "buyers may post review notes (the loop)")
    review_post_rate: float = spec(0.35, "probability a buyer posts a review note", 0, 1)
    shipping_days_domestic: float = spec(2.0, "mean shipping time, domestic", 0, 60)
    shipping_days_overseas: float = spec(7.0, "mean shipping time, overseas", 0, 90)
    use_days: float = spec(5.0, "mean days of use before the experience is formed", 0, 90)
    satisfaction_noise: float = spec(0.15, "noise on satisfaction (quality vs expectation)", 0, 2)


@dataclass
class ProductSpec:
    name: str = spec("Product", "product name (searchable)")
    topic: str = spec("skincare", "topic", choices=TOPICS)
    price: float = spec(99.0, "price in yuan", 0.01, 1e6)
    quality: float = spec(0.7, "hidden quality, 0..1: drives satisfaction and reviews", 0, 1)
    stock: int = spec(
        100_000, "initial stock, audience-sized (0: not sold on the platform yet)", 0, 10**9
    )


@dataclass
class BrandSpec:
    name: str = spec("Brand", "brand account name")
    origin: str = spec("domestic", "domestic or overseas", choices=("domestic", "overseas"))
    established: bool = spec(True, "established brands start with some awareness")
    budget: float = spec(0.0, "marketing budget per week (yuan)", 0, 1e9)
    strategy: str = spec("none", "marketing strategy", choices=STRATEGIES)
    ad_cpm: float = spec(40.0, "bid per 1,000 ad impressions in the slot auction (yuan)", 0.01, 1e5)
    discount: float = spec(0.2, "price cut used by the discounts strategy", 0, 0.9)
    boost_share: float = spec(0.0, "share of the weekly budget spent boosting its notes", 0, 1)
    products: list[ProductSpec] = spec([], "the brand's products")
    seeding_rule: str = spec(
        "top_degree",
        "free_samples: whom to seed (most followers, random, greedy influence "
        "maximisation, or the named seeding_accounts)",
        choices=SEEDING_RULES,
    )
    seeding_accounts: list[str] = spec(
        [], "seeding_rule = accounts: the account names to seed (instead of seeds)"
    )
    seeds: int = spec(20, "free_samples: accounts seeded with one free unit each", 1, 100_000)
    seeding_cascade_p: float = spec(
        0.05, "greedy: per-follower activation probability of the independent cascade", 0, 1
    )
    seeding_mc_samples: int = spec(
        64, "greedy: Monte-Carlo live-edge draws estimating the spread", 1, 1000
    )


@dataclass
class TimelineEvent:
    day: float = spec(0.0, "simulated day the event starts", 0, 3650)
    kind: str = spec("festival", "what happens", choices=EVENT_KINDS)
    days: float = spec(1.0, "how long it lasts (festival, price)", 0, 3650)
    activity: float = spec(2.0, "festival: session multiplier", 0, 100)
    discount: float = spec(0.3, "festival/price: price cut", 0, 0.95)
    recommender: str = spec(
        "ces_pools",
        "recommender: switch to this",
        choices=tuple(RECOMMENDERS),
    )
    brand: str = spec("", "price/campaign: brand name")
    budget: float = spec(0.0, "campaign: one-off extra budget (yuan)", 0, 1e9)
    strategy: str = spec("koc_seeding", "campaign: how to spend it", choices=STRATEGIES)
    enabled: bool = spec(True, "sharing: post-purchase sharing on/off from this day")


@dataclass
class Adoption:
    """The Bass special case: a fully mixed crowd, no feed, one product."""

    mode: str = spec(
        "agents", "agents (full model) or bass (p + q·F hazard)", choices=("agents", "bass")
    )
    p: float = spec(0.03, "innovation coefficient per day (bass mode)", 0, 1)
    q: float = spec(0.38, "imitation coefficient per day (bass mode)", 0, 5)
    mixing: str = spec(
        "full", "bass mode: full mixing or followees only", choices=("full", "network")
    )


@dataclass
class Scenario:
    name: str = spec("default", "scenario name")
    description: str = spec("", "the question this scenario answers")
    seed: int = spec(1, "seed of every random stream (keyed by purpose and hour)", 0, 2**63 - 1)
    world_seed: int = spec(
        -1,
        "seed of what happens after the community is built (-1: the scenario seed drives "
        "everything); same seed + different world seeds = one community, independent worlds",
        -1,
        2**63 - 1,
    )
    days: int = spec(30, "simulated days", 1, 3650)
    engine: str = spec(
        "sessions",
        "how the crowd's visits run: sessions (one by one, call by call) or batch (each "
        "hour's visits served, decided and applied together; faster for large crowds)",
        choices=("sessions", "batch"),
    )
    population: Population = field(default_factory=Population, metadata={"doc": "the crowd"})
    behaviour: Behaviour = field(default_factory=Behaviour, metadata={"doc": "user behaviour"})
    platform: dict[str, Any] = spec({}, "PlatformConfig overrides (recommender, pool_quotas...)")
    brands: list[BrandSpec] = spec([], "brands and their products")
    timeline: list[TimelineEvent] = spec([], "dated events")
    adoption: Adoption = field(default_factory=Adoption, metadata={"doc": "Bass special case"})
    editors: int = spec(1, "editor (staff) accounts picking notes", 0, 100)
    editor_picks_per_day: int = spec(30, "notes the editors pick per day", 0, 100_000)
    shop_restock_threshold: int = spec(
        5, "notes tagging a product before the platform's shop stocks it (overseas goods)", 1, 10**6
    )
    shop_restock_units: int = spec(
        10_000, "units the platform's shop orders each time it stocks a product", 1, 10**9
    )
    reference_users: int = spec(
        0,
        "community size the audience-sized constants are set for (editors' picks per day, shop "
        "restock threshold and units, products' stock, quotas of the pools that reach "
        "everyone, brands' budgets, the review counts shoppers judge a product page by): they "
        "scale by "
        "population.users / this; 0: absolute",
        0,
        5_000_000,
    )

    def platform_config(self) -> PlatformConfig:
        return self._sized(PlatformConfig.from_dict(self.platform))

    @property
    def size_factor(self) -> float:
        """``population.users / reference_users``: how much larger the simulated community is
        than the one the audience-sized constants were set for (1.0 without a reference)."""
        return self.population.users / self.reference_users if self.reference_users else 1.0

    def sized(self, count: int) -> int:
        """An audience-sized count (editors' picks, restock threshold, stock) at this
        scenario's size: at least 1 unless it is 0, at most the platform's int32 limit."""
        return min(2**31 - 1, max(1, round(count * self.size_factor))) if count else 0

    def _sized(self, config: PlatformConfig) -> PlatformConfig:
        """The pools that reach everyone (stages from ``pool_targeted_stages`` on) get quotas in
        proportion to the community, so a promoted note reaches the same share of it at any
        size; the targeted stages are test audiences of a fixed size (a sample for the CES
        rate, which needs the same number of impressions at any size)."""
        if self.size_factor == 1.0:
            return config
        first = config.pool_targeted_stages
        quotas = tuple(q if s < first else self.sized(q) for s, q in enumerate(config.pool_quotas))
        return replace(config, pool_quotas=quotas)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------ validation


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        return "table"
    if is_dataclass(tp):
        return "table"
    return {int: "integer", float: "number", str: "string", bool: "true/false"}.get(tp, str(tp))


def _did_you_mean(
    word: str, allowed: Iterable[str], template: str = " (did you mean {!r}?)"
) -> str:
    hint = difflib.get_close_matches(word, list(allowed), n=1)
    return template.format(hint[0]) if hint else ""


_SCALARS: dict[Any, Callable[[Any], bool]] = {
    bool: lambda v: isinstance(v, bool),
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v),
    str: lambda v: isinstance(v, str),
}


def _convert(value: Any, tp: Any, meta: dict[str, Any], source: str, key: str) -> Any:
    origin = typing.get_origin(tp)
    if is_dataclass(tp) or origin in (list, dict):
        if not isinstance(value, list if origin is list else dict):
            raise ScenarioError(source, key, f"expected {_type_name(tp)}, got {value!r}")
        if origin is dict:
            return dict(value)
        if origin is list:
            (item,) = typing.get_args(tp)
            return [_convert(v, item, {}, source, f"{key}[{i}]") for i, v in enumerate(value)]
        return build(tp, value, source, key)
    accepts = _SCALARS.get(tp)
    if accepts is not None and not accepts(value):
        raise ScenarioError(source, key, f"expected {_type_name(tp)}, got {value!r}")
    if tp is float:
        value = float(value)
    if tp is not bool:
        _check_allowed(value, meta, source, key)
    return value


def _check_allowed(value: Any, meta: dict[str, Any], source: str, key: str) -> None:
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ScenarioError(source, key, f"{value!r} is out of range; allowed {lo} to {hi}")
    if choices and value not in choices:
        did = _did_you_mean(str(value), choices)
        raise ScenarioError(
            source, key, f"{value!r} is not allowed{did}; choose one of {', '.join(choices)}"
        )


def build(cls: type, data: dict[str, Any], source: str, prefix: str = "") -> Any:
    """Build dataclass ``cls`` from a TOML table, validating every key."""
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if key not in known:
            did = _did_you_mean(key, known, "did you mean {!r}? ")
            raise ScenarioError(source, path, f"unknown key; {did}allowed: {', '.join(known)}")
        kwargs[key] = _convert(value, hints[key], dict(known[key].metadata), source, path)
    obj = cls(**kwargs)
    _check_semantics(obj, source, prefix)
    return obj


def _check_semantics(obj: Any, source: str, prefix: str) -> None:
    def at(key: str) -> str:
        return f"{prefix}.{key}" if prefix else key

    if isinstance(obj, Population):
        _check_population(obj, source, at)
    if isinstance(obj, Scenario):
        _check_platform(obj, source, at)
        _check_brands(obj, source, at)


def _check_population(obj: Population, source: str, at: Callable[[str], str]) -> None:
    for topic, weight in obj.interest_mix.items():
        if topic not in TOPICS:
            did = _did_you_mean(topic, TOPICS)
            raise ScenarioError(
                source,
                at(f"interest_mix.{topic}"),
                f"unknown topic{did}; allowed: {', '.join(TOPICS)}",
            )
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise ScenarioError(
                source, at(f"interest_mix.{topic}"), f"weight must be a number >= 0, got {weight!r}"
            )


def _check_platform(obj: Scenario, source: str, at: Callable[[str], str]) -> None:
    try:
        config = obj.platform_config()
    except PlatformError as exc:
        raise ScenarioError(
            source, at(f"platform.{exc.field or ''}".rstrip(".")), exc.message
        ) from None
    if config.recommender not in RECOMMENDERS:
        raise ScenarioError(
            source,
            at("platform.recommender"),
            f"{config.recommender!r} is not a recommender; choose one of {', '.join(RECOMMENDERS)}",
        )


def _check_brands(obj: Scenario, source: str, at: Callable[[str], str]) -> None:
    names = [b.name for b in obj.brands]
    for i, b in enumerate(obj.brands):
        if names.count(b.name) > 1:
            raise ScenarioError(source, at(f"brands[{i}].name"), f"duplicate brand {b.name!r}")
    for i, b in enumerate(obj.brands):
        if (b.seeding_rule == "accounts") != bool(b.seeding_accounts):
            raise ScenarioError(
                source,
                at(f"brands[{i}].seeding_accounts"),
                "give account names exactly when seeding_rule = 'accounts' "
                f"(seeding_rule is {b.seeding_rule!r})",
            )
    for i, ev in enumerate(obj.timeline):
        if ev.kind in ("price", "campaign") and ev.brand not in names:
            raise ScenarioError(
                source,
                at(f"timeline[{i}].brand"),
                f"{ev.brand!r} is not a brand of this scenario; "
                f"brands: {', '.join(names) or '(none)'}",
            )


def _named_tables(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, dict) and isinstance(v.get("name"), str) for v in value
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; lists of tables with a ``name`` (brands, products) merge by
    name, new names appended; any other value replaces the base's."""
    out = dict(base)
    for key, value in over.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = _merge(old, value)
        elif _named_tables(value) and _named_tables(old) and value:
            merged = {item["name"]: item for item in old}
            for item in value:
                merged[item["name"]] = _merge(merged.get(item["name"], {}), item)
            out[key] = list(merged.values())
        else:
            out[key] = value
    return out


def resolve(name_or_path: str | Path) -> Path:
    """A named scenario (``baseline``) or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return SCENARIO_DIR / f"{name_or_path}.toml"


def named() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    source = str(path)
    if not path.is_file():
        names = named()
        did = _did_you_mean(path.stem, names, "did you mean {!r}? ")
        listed = ", ".join(names) or "(none)"
        raise ScenarioError(source, "", f"no such scenario file; {did}named scenarios: {listed}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", f"not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            source,
            "",
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            "a scenario is a TOML file saved as UTF-8",
        ) from None
    except RecursionError:
        raise ScenarioError(source, "", "tables nested too deeply to be a scenario") from None
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot be read ({exc.strerror})") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(source, "extends", f"expected a scenario name or path, got {parent!r}")
    # a name means a named scenario; a path is relative to the file that extends it
    if parent.endswith(".toml") or Path(parent).is_absolute():
        parent_path = path.parent / parent
    else:
        parent_path = SCENARIO_DIR / f"{parent}.toml"
    if parent_path.resolve() in seen:
        raise ScenarioError(source, "extends", f"circular extends through {parent_path}")
    base = _read_toml(parent_path, (*seen, path.resolve()))
    base.pop("description", None)
    return _merge(base, data)


def load(name_or_path: str | Path, **overrides: Any) -> Scenario:
    """Load and validate a scenario; ``overrides`` are dotted keys (``population.users``)."""
    path = resolve(name_or_path)
    data = _read_toml(path)
    data.setdefault("name", path.stem)
    given = {set_key(data, dotted, value): dotted for dotted, value in overrides.items()}
    try:
        return build(Scenario, data, str(path))
    except OverrideError:
        raise
    except ScenarioError as exc:
        if exc.key in given:  # the value given on top of the file is what was wrong
            raise OverrideError(given[exc.key], exc.problem) from None
        raise
    except RecursionError:
        raise ScenarioError(str(path), "", "tables nested too deeply to be a scenario") from None


def set_key(data: dict[str, Any], dotted: str, value: Any) -> str:
    """Set a dotted key in a scenario's data; a list of named tables is entered by name
    (``brands.LumiSkin.budget``). Returns the key as validation names it
    (``brands[1].budget``), so an error in the value can be blamed on the override."""
    node: Any = data
    *parents, last = dotted.split(".")
    path = ""
    for part in parents:
        if isinstance(node, list):
            node, part = _named(node, part, dotted, path)
        else:
            node = node.setdefault(part, {})
        path = f"{path}{part}" if part.startswith("[") else f"{path}.{part}".lstrip(".")
        if not isinstance(node, dict | list):
            raise ScenarioError("--set", dotted, f"{part!r} is not a table")
    if isinstance(node, list):
        raise ScenarioError("--set", dotted, "name a key of the table, not the table")
    node[last] = value
    return f"{path}.{last}".lstrip(".")


def _named(tables: list[Any], name: str, dotted: str, path: str) -> tuple[dict[str, Any], str]:
    """The table named ``name`` in a list of tables, and its index as ``[i]``."""
    names = [t.get("name") for t in tables if isinstance(t, dict)]
    for i, table in enumerate(tables):
        if isinstance(table, dict) and table.get("name") == name:
            return table, f"[{i}]"
    have = ", ".join(repr(n) for n in names) or "none"
    raise ScenarioError("--set", dotted, f"{path} has no entry named {name!r} (has {have})")


def field_docs(cls: type = Scenario, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key, type, default, doc+range) rows for the README and ``redloop scenarios --schema``."""
    rows = []
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        key = f"{prefix}{f.name}"
        tp = hints[f.name]
        if is_dataclass(tp):
            rows += field_docs(tp, f"{key}.")
            continue
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        meta = f.metadata
        allowed = ""
        if meta.get("choices"):
            allowed = " — one of " + ", ".join(meta["choices"])
        elif meta.get("lo") is not None:
            allowed = f" — {meta['lo']} to {meta['hi']}"
        if typing.get_origin(tp) is list and is_dataclass(typing.get_args(tp)[0]):
            rows.append((key, _type_name(tp), "[]", meta.get("doc", "")))
            rows += field_docs(typing.get_args(tp)[0], f"{key}[].")
            continue
        rows.append((key, _type_name(tp), repr(default), meta.get("doc", "") + allowed))
    return rows
