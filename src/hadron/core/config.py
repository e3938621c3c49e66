"""The one config loader: YAML that remembers the line of every value, and pydantic validation whose
errors are one line, ``file:line: key: problem``.

    doc = read_yaml("pipeline.yaml")                  # unreadable or invalid YAML: InputError at file:line
    config = validate(PipelineConfig, doc.data, doc)  # pipeline.yaml:7: steps[0].temperature: Input ...

``where`` may instead be a label (``"ray executor"``) or None (command-line options) for values that come
from no file. When pydantic reports several problems the line names up to three, unknown keys first
(usually a typo of the key that is missing), then the deepest; a union's member names (``ToolSpec``,
``function-after[...]``) are left out of the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from hadron.errors import ConfigError, ConfigFileError, InputError

M = TypeVar("M", bound=BaseModel)
Indices = Literal["brackets", "dots"]
"""How a list index shows in a key: ``steps[0].name`` (pipelines) or ``rubric.0.weight`` (scenarios)."""
MAX_LISTED = 3
_TAG = re.compile(r"^[A-Z]|\[|^(str|int|float|bool|bytes|none)$")
"""A union member's name in an error location: a class, ``function-after[...]`` or a scalar type."""


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A YAML document, or one part of it, with the nodes that know where each value was written."""

    path: str
    data: Any
    node: yaml.Node | None

    def line(self, loc: Iterable[Any] = ()) -> int:
        """The 1-based line of the deepest node ``loc`` reaches: a mapping key's own line (not its
        block's), a list item's first line; a missing key gives its parent's line."""
        node = self.node
        if node is None:
            return 1
        line = node.start_mark.line
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                pair = next(((key, value) for key, value in node.value if str(key.value) == str(part)), None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line, pair[1]
            elif isinstance(node, yaml.SequenceNode) and str(part).isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
                line = node.start_mark.line
            else:
                break
        return int(line) + 1

    def items(self) -> list[YamlDoc]:
        """A top-level list's items as documents of their own; a mapping is one item."""
        if isinstance(self.data, list) and isinstance(self.node, yaml.SequenceNode):
            pairs = zip(self.data, self.node.value, strict=True)
            return [YamlDoc(self.path, item, node) for item, node in pairs]
        return [self]


def read_text(path: str | Path) -> str:
    """A config file's text; a missing, unreadable or non-UTF-8 file is one ``InputError``."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InputError(where, "no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(where, "is a directory") from exc
    except OSError as exc:
        raise InputError(where, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(where, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line=line) from exc


def parse_yaml(text: str, path: str) -> YamlDoc:
    """Parse once, keeping the node tree for line numbers; bad YAML is an ``InputError`` at its line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from exc
    finally:
        loader.dispose()
    return YamlDoc(path, data, node)


def read_yaml(path: str | Path) -> YamlDoc:
    return parse_yaml(read_text(path), str(path))


def validate(model: type[M], data: Any, where: YamlDoc | str | None = None, *, prefix: tuple[Any, ...] = (),
             indices: Indices = "brackets") -> M:
    """``model.model_validate(data)``; a ``ValidationError`` becomes one line naming where and which key.

    ``prefix`` is where ``data`` sits inside ``where`` (``("steps", 2)`` for one step's options)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise config_error(err, where, data=data, prefix=prefix, indices=indices) from err


def config_error(err: ValidationError, where: YamlDoc | str | None = None, *, data: Any = None,
                 prefix: tuple[Any, ...] = (), indices: Indices = "brackets") -> ConfigError:
    """The one-line error for ``err`` (for validation that ran elsewhere, e.g. inside a registry)."""
    problems = _problems(err, data, prefix, indices, keys=isinstance(where, YamlDoc))
    if isinstance(where, YamlDoc):
        entries = [f"{where.path}:{where.line(loc)}: {text}" for loc, text in problems]
    else:
        entries = [f"invalid option {text}" if where is None else f"{where}: {text}" for _, text in problems]
    message = "; ".join(entries[:MAX_LISTED])
    if len(entries) > MAX_LISTED:
        message += f" (and {len(entries) - MAX_LISTED} more)"
    if isinstance(where, YamlDoc):
        line = where.line(problems[0][0]) if problems else None
        return ConfigFileError(where.path, message.removeprefix(f"{where.path}:{line}: "), line=line)
    return ConfigError(message)


def describe(err: ValidationError, data: Any = None, *, indices: Indices = "brackets") -> str:
    """``key: problem`` for ``err``, without a place (for a caller that names the place itself)."""
    problems = _problems(err, data, (), indices, keys=True)
    more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
    return "; ".join(text for _, text in problems[:MAX_LISTED]) + more


def _problems(err: ValidationError, data: Any, prefix: tuple[Any, ...], indices: Indices, *,
              keys: bool) -> list[tuple[tuple[Any, ...], str]]:
    """Each error as (location, ``key: problem``): unknown keys first, then the deepest; an error whose
    location holds a deeper one (a union's other member) is left out. ``keys``: the data was written
    as a document's keys (an extra one is an "unknown key"), not passed as options."""
    located = [((*prefix, *_key_path(error["loc"], data)), error) for error in err.errors(include_url=False)]
    located = [(loc, error) for loc, error in located
               if not any(len(other) > len(loc) and other[: len(loc)] == loc for other, _ in located)]
    located.sort(key=lambda item: (item[1]["type"] != "extra_forbidden", -len(item[1]["loc"])))
    return [(loc, _keyed(loc, error, indices, keys)) for loc, error in located]


def _keyed(loc: tuple[Any, ...], error: ErrorDetails, indices: Indices, keys: bool) -> str:
    key = ".".join(str(part) for part in loc) if indices == "dots" else "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    problem = _problem(error, keys)
    return f"{key}: {problem}" if key else problem


def _problem(error: ErrorDetails, keys: bool) -> str:
    if error["type"] == "extra_forbidden" and keys:
        return "unknown key"
    message = " ".join(str(error["msg"]).split()).removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] != "missing" and not isinstance(value, dict | list):
        shown = repr(value)
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return message


def _key_path(loc: tuple[int | str, ...], data: Any) -> tuple[int | str, ...]:
    """``loc`` without the union member names pydantic puts in it; a part that is a key of ``data`` at
    that depth is always kept."""
    kept: list[int | str] = []
    node = data
    for part in loc:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if present:
            node = node[part]
        elif isinstance(part, str) and _TAG.search(part):
            continue
        else:
            node = None
        kept.append(part)
    return tuple(kept)
