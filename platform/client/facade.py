"""The client's methods, generated from the operation table onto each client class.

Each method has the protocol's signature (``now`` optional) and builds its operation's
:class:`~redloop.platform.client.ops.Call` from its arguments; what happens to the call is the
class's ``_call``: sent and parsed (:class:`Client`: the annotated result; :class:`AsyncClient`:
a coroutine of it) or returned unsent (:class:`Calls`). The annotations say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ops import OPS, Call, Op, returns, signature
from .protocol import ClientOps
from .tokens import TokenBook

__all__ = ["Calls", "Facade", "operations"]


def _method(op: Op, result: Any) -> Callable[..., Any]:
    """A real function with the operation's signature (written out and compiled, as
    :mod:`dataclasses` writes ``__init__``: binding arguments by hand costs several times more
    per call), passing its arguments to ``op.call``."""
    sig = signature(op.name)
    params, names, defaults = [], [], {}
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and "*" not in params:
            params.append("*")
        text = p.name
        if p.default is not p.empty:
            defaults[f"_default_{p.name}"] = p.default
            text += f"=_default_{p.name}"
        params.append(text)
        names.append(p.name)
    arguments = ", ".join(f"{name!r}: {name}" for name in names[1:])
    source = (
        f"def {op.name}({', '.join(params)}):\n    return self._call(_op.call({{{arguments}}}))"
    )
    namespace: dict[str, Any] = {"_op": op, **defaults}
    exec(source, namespace)
    method = namespace[op.name]
    method.__qualname__ = op.name
    method.__doc__ = getattr(ClientOps, op.name).__doc__
    method.__annotations__ = {
        **{p.name: p.annotation for p in sig.parameters.values() if p.name != "self"},
        "return": None if result is type(None) else result,
    }
    method.op = op
    return method


def operations(cls: type, result: Callable[[Any], Any] = lambda kind: kind) -> type:
    """Class decorator: add every operation of :data:`OPS` to ``cls``, annotated as returning
    ``result(<the protocol's return type>)``."""
    for name, op in OPS.items():
        setattr(cls, name, _method(op, result(returns(name))))
    return cls


@operations
class Facade:
    """The platform's operations as HTTP calls, returning what the platform returns.
    Subclasses implement :meth:`_call` (send the call and parse its response)."""

    tokens: TokenBook

    def _call(self, call: Call) -> Any:
        raise NotImplementedError


class Calls(Facade):
    """The facade as data: every method returns its :class:`Call` unsent.

    Lets one shared agent model run on many transports at once: behaviour yields Calls and
    each driver executes them on its own client (``client.execute(call)``).
    """

    def __init__(self, tokens: TokenBook | None = None) -> None:
        self.tokens = tokens if tokens is not None else TokenBook()

    def _call(self, call: Call) -> Call:
        return call


operations(Calls, lambda kind: Call)  # the same table, annotated as returning the unsent Call
