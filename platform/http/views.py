"""Response models mirrored from the platform's frozen views, so each view is defined once.

``mirror(User, "UserOut")`` is a pydantic model with the fields of the dataclass ``User``, in
its order and with its types (tuples become JSON lists), every field required; what the view
offers as a property (``Note.sponsored``) is added after the field it follows. The OpenAPI
schema is the one the hand-written models produced (a golden test holds it).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

__all__ = ["Out", "mirror"]


class Out(BaseModel):
    """A response model read from a platform view by attribute."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, view: object) -> Any:
        return cls.model_validate(view)


def _as_json(kind: Any) -> Any:
    """``tuple[X, ...]`` -> ``list[X]``: what the response holds is a JSON list."""
    if typing.get_origin(kind) is tuple and typing.get_args(kind)[1:] == (Ellipsis,):
        return list[typing.get_args(kind)[0]]  # type: ignore[misc]
    return kind


def mirror(
    view: type,
    name: str,
    *,
    after: Mapping[str, tuple[str, type]] | None = None,
    describe: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> type[Out]:
    """The response model ``name`` with the fields of the dataclass ``view``.

    ``after``: ``{field: (property, type)}`` adds a property of the view after ``field``;
    ``describe``: field descriptions for the schema; ``defaults``: fields that may be absent.
    """
    after, describe, defaults = after or {}, describe or {}, defaults or {}
    hints = typing.get_type_hints(view)
    columns = [(f.name, hints[f.name]) for f in dataclasses.fields(view)]
    for name_after, extra in after.items():
        at = [key for key, _ in columns].index(name_after) + 1
        columns.insert(at, extra)
    fields = {
        key: (_as_json(kind), Field(defaults.get(key, ...), description=describe.get(key)))
        for key, kind in columns
    }
    return create_model(name, __base__=Out, __module__=__name__, **fields)
