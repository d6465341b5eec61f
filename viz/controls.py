"""The visualiser's controls: scenario, run buttons and speed, pin, parameters, brands, and
an all-parameters panel generated from the scenario schema.

Controls edit *pending* :class:`~redloop.viz.params.Params`; Reset builds a model from them.
Pending values are validated by the schema itself (:func:`~redloop.viz.params.problem`): an
invalid one shows the schema's message and disables Reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import solara

from redloop.platform.api import RECOMMENDERS
from redloop.scenarios.schema import STRATEGIES

from .params import Params, SchemaField, problem, scenario_value, schema_fields

#: Play's pause between simulated days (seconds), by name.
SPEEDS = {"slow (1 s a day)": 1.0, "normal (¼ s a day)": 0.25, "fast (no pause)": 0.0}
DEFAULT_SPEED = "normal (¼ s a day)"

#: The main sliders: field, label, number format, and range (widened to hold the value).
SLIDERS: tuple[tuple[str, str, str, float, float, float], ...] = (
    ("users", "Users", ",", 100, 10_000, 100),
    ("sessions_per_day", "Sessions per day", ".1f", 0.1, 6.0, 0.1),
    ("open_rate", "Open rate", ".3f", 0.0, 0.3, 0.005),
    ("review_post_rate", "Review post rate", ".2f", 0.0, 1.0, 0.05),
)


@solara.component
def RunButtons(
    playing: bool,
    on_play: Callable[[], None],
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    reset_disabled: bool,
    speed: str,
    on_speed: Callable[[str], None],
):
    with solara.Card("Run", margin=0):
        with solara.Div(classes=["rl-buttons"]):
            solara.Button(
                "Pause" if playing else "Play",
                on_click=on_play,
                color="primary",
                classes=["rl-play"],
            )
            solara.Button(
                "Step",
                on_click=on_step,
                disabled=playing,
                color="primary",
                outlined=True,
                classes=["rl-step"],
            )
            solara.Button(
                "Reset",
                on_click=on_reset,
                outlined=True,
                disabled=reset_disabled,
                classes=["rl-reset"],
            )
        solara.Select(
            "Play speed",
            values=list(SPEEDS),
            value=speed,
            on_value=on_speed,
            classes=["rl-speed"],
        )


@solara.component
def PinControls(
    can_pin: bool,
    pinned: str,
    on_pin: Callable[[], None],
    on_unpin: Callable[[], None],
):
    """Keep this run's curves on every chart (dashed) to compare with the next run."""
    with solara.Card("Compare runs", margin=0):
        with solara.Div(classes=["rl-buttons"]):
            solara.Button(
                "Pin this run",
                on_click=on_pin,
                disabled=not can_pin,
                outlined=True,
                classes=["rl-pin"],
            )
            if pinned:
                solara.Button("Unpin", on_click=on_unpin, text=True, classes=["rl-unpin"])
        solara.Text(
            f"Pinned ({pinned}): drawn dashed on every chart."
            if pinned
            else "Pin a run, change a setting, Reset and step: both runs show on every chart.",
            classes=["rl-muted"],
        )


@solara.component
def MainParameters(params: solara.Reactive[Params]):
    p = params.value

    def setter(name: str) -> Callable[[object], None]:
        return lambda value: params.set(replace(params.value, **{name: value}))

    with solara.Card("Parameters", margin=0):
        for name, label, spec, low, high, step in SLIDERS:
            value = getattr(p, name)
            slider = solara.SliderInt if isinstance(step, int) else solara.SliderFloat
            slider(
                f"{label}: {value:{spec}}",
                value=value,
                min=min(low, value),
                max=max(high, value),
                step=step,
                on_value=setter(name),
            )
        solara.Select(
            "Recommender",
            values=list(RECOMMENDERS),
            value=p.recommender,
            on_value=setter("recommender"),
        )
        solara.Switch(
            label="Buyers share reviews (the loop)", value=p.sharing, on_value=setter("sharing")
        )
        solara.InputInt(
            "Seed", value=p.seed, on_value=lambda v: setter("seed")(min(max(0, v or 0), 2**63 - 1))
        )


@solara.component
def BrandControls(params: solara.Reactive[Params]):
    """Each brand's weekly budget (¥) and marketing strategy."""
    p = params.value
    if not p.brands:
        return
    with solara.Card("Brands' marketing", margin=0, classes=["rl-brand-controls"]):
        for b in p.brands:
            solara.InputFloat(
                f"{b.name}: budget per week (¥)",
                value=b.budget,
                on_value=lambda v, name=b.name: params.set(
                    params.value.with_brand(name, budget=max(0.0, float(v or 0.0)))
                ),
            )
            solara.Select(
                f"{b.name}: strategy",
                values=list(STRATEGIES),
                value=b.strategy,
                on_value=lambda v, name=b.name: params.set(
                    params.value.with_brand(name, strategy=v)
                ),
            )


def field_value(params: Params, f: SchemaField) -> str:
    """What the panel's box shows: the pending edit, else the scenario's value."""
    pending = dict(params.extra)
    value = pending[f.key] if f.key in pending else scenario_value(params.scenario, f.key)
    return str(value).lower() if isinstance(value, bool) else str(value)


@solara.component
def AllParameters(params: solara.Reactive[Params]):
    """Every scalar key of the scenario schema, with its range and unit, generated from it."""
    shown = solara.use_reactive(False)
    fields = schema_fields()
    with solara.Card("All parameters", margin=0, classes=["rl-params-all"]):
        solara.Switch(
            label=f"Show all {len(fields)} scenario keys",
            value=shown.value,
            on_value=shown.set,
        )
        if not shown.value:
            return
        for f in fields:
            solara.InputText(
                f"{f.key} ({f.unit}; {f.allowed})",
                value=field_value(params.value, f),
                on_value=lambda text, f=f: params.set(
                    params.value.with_extra(f.key, f.parse(text))
                ),
                continuous_update=False,
                classes=["rl-param"],
            )
            solara.Text(f.doc, classes=["rl-param-doc"])


@solara.component
def Controls(
    params: solara.Reactive[Params],
    applied: Params,
    scenarios: dict[str, str],
    playing: bool,
    on_play: Callable[[], None],
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    on_scenario: Callable[[str], None],
    speed: str = DEFAULT_SPEED,
    on_speed: Callable[[str], None] = lambda _: None,
):
    """Scenario picker, run buttons, parameters and brands (``PinControls`` sits below:
    it changes with every step, these do not)."""
    p = params.value
    error = solara.use_memo(lambda: problem(p), [p])
    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario", values=list(scenarios), value=p.scenario, on_value=on_scenario)
        solara.Text(scenarios.get(p.scenario, ""), classes=["rl-muted"])
    RunButtons(playing, on_play, on_step, on_reset, error is not None, speed, on_speed)
    with solara.Div():  # one place for the message, so the panels below keep their state
        if error:
            solara.Error(error, classes=["rl-param-error"])
        elif p != applied:
            solara.Info("Changed — press Reset to rebuild the model with these values.")
    MainParameters(params)
    BrandControls(params)
    AllParameters(params)
