"""Step kinds: ``step: generate`` in YAML resolves to a class by one dict lookup.

A step class states its ``kind`` and a pydantic ``Options`` model (``extra="forbid"``) and builds itself
with ``from_options(name, options)``. Built-in kinds are listed here; a package adds its own with
``register_step`` or through the ``hadron.steps`` entry-point group (name = kind, value =
``module:Class``, or ``module:TASK`` for a task descriptor, whose ``step`` is the class: that is how
every task, built-in or not, registers; see ``runtime/task.py``). A kind may also be written as an import
path, ``mypkg.steps:MyStep``, which is how a pipeline built in Python with custom steps is saved and
replayed.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel

from hadron.errors import ConfigError
from hadron.runtime.step import Step

S = TypeVar("S", bound=type[Step])

_BUILTIN: dict[str, str] = {
    "generate": "hadron.runtime.steps.generate:Generate",
    "passthrough": "hadron.runtime.steps.passthrough:Passthrough",
    "route": "hadron.runtime.steps.route:RouteByColumn",
    "explode": "hadron.runtime.steps.explode:Explode",
    "exact_dedup": "hadron.runtime.steps.exact_dedup:ExactDedup",
    "minhash_dedup": "hadron.runtime.steps.minhash_dedup:MinHashDedup",
}
_registered: dict[str, type[Step]] = {}


def register_step(cls: S) -> S:
    """Register a step class under its ``kind`` (usable as a class decorator)."""
    if not cls.kind:
        raise ConfigError(f"{cls.__name__} has no `kind` to register under")
    _registered[cls.kind] = cls
    return cls


@cache
def _plugins() -> dict[str, str]:
    """The ``hadron.steps`` entry points, read once per process (kind → ``module:attr``)."""
    return {ep.name: ep.value for ep in entry_points(group="hadron.steps")}


def known_kinds() -> list[str]:
    return sorted(set(_BUILTIN) | set(_registered) | set(_plugins()))


def registered_object(kind: str) -> Any | None:
    """What ``kind`` is registered as (a Step class, or a descriptor whose ``step`` is one), or None
    when no registration names it. Import paths (``mod:Class``) are not looked up here."""
    if kind in _registered:
        return _registered[kind]
    return plugin_object(kind)


def plugin_object(kind: str) -> Any | None:
    """What a built-in kind or a ``hadron.steps`` entry point names, loaded; None if neither does."""
    target = _BUILTIN.get(kind) or _plugins().get(kind)
    return _load(kind, target) if target is not None else None


def step_class(kind: str) -> type[Step]:
    """The class for ``kind``; a miss lists the kinds that exist."""
    obj = registered_object(kind)
    if obj is None and ":" in kind:
        obj = _load(kind, kind)
    if obj is None:
        raise ConfigError(f"unknown step kind {kind!r}", hint=f"known kinds: {', '.join(known_kinds())}")
    step = getattr(obj, "step", obj)
    if not (isinstance(step, type) and issubclass(step, Step)):
        raise ConfigError(f"step kind {kind!r}: {obj!r} is not a Step class")
    return step


def _load(kind: str, target: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"step kind {kind!r}: cannot import {target}: {exc}") from exc
    return obj


def options_model(cls: type[Step]) -> type[BaseModel] | None:
    model = getattr(cls, "Options", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def build_step(kind: str, name: str | None, options: dict[str, Any]) -> Step:
    """Validate ``options`` with the kind's model and build the step.

    Raises pydantic's ``ValidationError`` for bad options, so the YAML loader can point at the line.
    """
    cls = step_class(kind)
    model = options_model(cls)
    if model is None:
        if options:
            raise ConfigError(f"step kind {kind!r} takes no options (got {', '.join(options)})")
        return cls(name)
    parsed = model.model_validate(options)
    factory = getattr(cls, "from_options", None)
    step = factory(name or cls.kind or cls.__name__, parsed) if factory else cls(name, **parsed.model_dump())
    if not isinstance(step, Step):
        raise ConfigError(f"step kind {kind!r}: from_options returned {type(step).__name__}, not a Step")
    return step


def step_spec(step: Step) -> dict[str, Any]:
    """The YAML form of a step: ``{"step": kind, "name": ..., **options}`` (replayable by ``build_step``)."""
    config = dict(step.config())
    kind = config.pop("kind", "") or step.kind
    if not kind or step_class_or_none(kind) is not type(step):
        kind = f"{type(step).__module__}:{type(step).__qualname__}"
    config.pop("name", None)
    return {"step": kind, "name": step.name, **config}


def step_class_or_none(kind: str) -> type[Step] | None:
    try:
        return step_class(kind)
    except ConfigError:
        return None
