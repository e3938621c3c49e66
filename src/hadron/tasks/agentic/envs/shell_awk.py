"""A small ``awk`` for the shell: the one-liners troubleshooting uses.

``BEGIN``/``END`` blocks, ``/re/`` and expression patterns, fields (``$1``, ``$NF``, ``$(i+1)``),
``NR``/``NF``/``FS``/``OFS``, variables and associative arrays (``c[$1]++``, ``for (k in c)``),
``print``/``printf``, ``if``/``else``, ``next``, arithmetic, comparison, ``~``, ``&&``/``||``,
concatenation and the string functions ``length``, ``substr``, ``index``, ``tolower``, ``toupper``,
``int``, ``sprintf``. Patterns run with the shell's time budget.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from hadron.tasks.agentic.envs.patterns import Budget, Pattern
from hadron.tasks.agentic.envs.shell_awk_parse import AwkError, Node, Parser, tokenize


class _Next(Exception):
    pass


def _number(value: Any) -> float:
    if isinstance(value, float):
        return value
    match = re.match(r"\s*[-+]?(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)", str(value))
    return float(match.group()) if match else 0.0


def _looks_numeric(value: Any) -> bool:
    return isinstance(value, float) or bool(
        re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", value)
    )


def _text(value: Any, fmt: str = "%.6g") -> str:
    if isinstance(value, float):
        return str(int(value)) if value == int(value) and abs(value) < 1e16 else fmt % value
    return str(value)


def _sprintf(fmt: str, args: list[Any]) -> str:
    values = iter(args)

    def one(match: re.Match[str]) -> str:
        spec = match.group()
        if spec == "%%":
            return "%"
        value = next(values, "")
        conversion = spec[-1]
        if conversion in "di":
            return (spec[:-1] + "d") % int(_number(value))
        if conversion in "feEgGxXoc":
            return spec % (int(_number(value)) if conversion in "xXoc" else _number(value))
        return spec % _text(value)

    return re.sub(r"%[-+ #0]*\d*(?:\.\d+)?[diouxXeEfgGcs%]", one, fmt)


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "length": lambda a: float(len(_text(a[0]))),
    "substr": lambda a: _substr(_text(a[0]), _number(a[1]), _number(a[2]) if len(a) > 2 else None),
    "index": lambda a: float(_text(a[0]).find(_text(a[1])) + 1),
    "tolower": lambda a: _text(a[0]).lower(),
    "toupper": lambda a: _text(a[0]).upper(),
    "int": lambda a: float(math.trunc(_number(a[0]))),
    "sprintf": lambda a: _sprintf(_text(a[0]), a[1:]),
}


def _substr(text: str, start: float, length: float | None) -> str:
    begin = max(round(start), 1)
    end = len(text) + 1 if length is None else round(start) + round(length)
    return text[begin - 1 : max(end - 1, begin - 1)]


class Awk:
    def __init__(
        self, source: str, separator: str | None, budget: Budget, assigned: dict[str, str] | None = None
    ) -> None:
        self.items = Parser(tokenize(source, budget), _FUNCTIONS).program()
        self.budget = budget
        self.vars: dict[str, Any] = {"FS": separator or " ", "OFS": " ", "ORS": "\n", "NR": 0.0, "NF": 0.0}
        self.vars.update(assigned or {})
        self.arrays: dict[str, dict[str, Any]] = {}
        self.fields: list[str] = [""]
        self.out: list[str] = []
        self.files: dict[str, str] = {}

    def run(self, text: str) -> str:
        for pattern, action in self.items:
            if pattern == "BEGIN":
                self._do(action)
        records = [item for item in self.items if item[0] not in ("BEGIN", "END")]
        if records or any(item[0] == "END" for item in self.items):
            for line in text.splitlines():
                self.vars["NR"] = _number(self.vars["NR"]) + 1
                self._set_record(line)
                try:
                    for pattern, action in records:
                        if pattern is None or self._truth(self.eval(pattern)):
                            self._do(action)
                except _Next:
                    continue
        for pattern, action in self.items:
            if pattern == "END":
                self._do(action)
        return "".join(self.out)

    def _do(self, action: Node | None) -> None:
        if action is None:
            self.out.append(self.fields[0] + _text(self.vars["ORS"]))
        else:
            self.exec(action)

    def _set_record(self, line: str) -> None:
        separator = _text(self.vars["FS"])
        if separator == " ":
            parts = line.split()
        elif len(separator) == 1 and separator != "\\":
            parts = line.split(separator) if line else []
        else:
            parts = Pattern(separator, budget=self.budget).split(line) if line else []
        self.fields = [line, *parts]
        self.vars["NF"] = float(len(parts))

    def _rebuild(self) -> None:
        self.fields[0] = _text(self.vars["OFS"]).join(self.fields[1:])

    def exec(self, node: Node) -> None:
        kind = node[0]
        if kind == "block":
            for statement in node[1]:
                self.exec(statement)
        elif kind in ("print", "printf"):
            values = [self.eval(arg) for arg in node[1]]
            if kind == "print":
                text = (
                    _text(self.vars["OFS"]).join(
                        _text(v, _text(self.vars.get("OFMT", "%.6g"))) for v in values
                    )
                    if values
                    else self.fields[0]
                ) + _text(self.vars["ORS"])
            else:
                text = _sprintf(_text(values[0]), values[1:]) if values else ""
            if node[2] is not None:
                name = _text(self.eval(node[2]))
                self.files[name] = self.files.get(name, "") + text
            else:
                self.out.append(text)
        elif kind == "if":
            if self._truth(self.eval(node[1])):
                self.exec(node[2])
            elif node[3] is not None:
                self.exec(node[3])
        elif kind == "for_in":
            for key in list(self.arrays.get(node[2], {})):
                self.vars[node[1]] = key
                self.exec(node[3])
        elif kind == "next":
            raise _Next
        else:
            self.eval(node[1])

    def _truth(self, value: Any) -> bool:
        return _number(value) != 0 if isinstance(value, float) or _looks_numeric(value) else value != ""

    def eval(self, node: Node) -> Any:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "str":
            return node[1]
        if kind == "var":
            return self.vars.get(node[1], "")
        if kind == "field":
            index = int(_number(self.eval(node[1])))
            return self.fields[index] if 0 <= index < len(self.fields) else ""
        if kind == "index":
            key = self._key(node[2])
            return self.arrays.setdefault(node[1], {}).setdefault(key, "")
        if kind == "match_record":
            return 1.0 if node[1].search(self.fields[0]) else 0.0
        if kind == "call":
            args = [self.eval(arg) for arg in node[2]] or [self.fields[0]]
            return _FUNCTIONS[node[1]](args)
        if kind == "not":
            return 0.0 if self._truth(self.eval(node[1])) else 1.0
        if kind == "neg":
            return -_number(self.eval(node[1]))
        if kind == "concat":
            return _text(self.eval(node[1])) + _text(self.eval(node[2]))
        if kind == "in":
            return 1.0 if _text(self.eval(node[1])) in self.arrays.get(node[2], {}) else 0.0
        if kind == "cond":
            return self.eval(node[2]) if self._truth(self.eval(node[1])) else self.eval(node[3])
        if kind == "assign":
            operator, target, value = node[1], node[2], self.eval(node[3])
            if operator != "=":
                value = _arithmetic(operator[0], _number(self.eval(target)), _number(value))
            self._store(target, value)
            return value
        if kind == "incr":
            operator, target, prefix = node[1], node[2], node[3]
            old = _number(self.eval(target))
            new = old + (1 if operator == "++" else -1)
            self._store(target, new)
            return new if prefix else old
        if kind == "binary":
            return self._binary(node[1], node[2], node[3])
        raise AwkError(f"cannot evaluate {kind}")

    def _binary(self, operator: str, left_node: Node, right_node: Node) -> Any:
        if operator == "&&":
            return 1.0 if self._truth(self.eval(left_node)) and self._truth(self.eval(right_node)) else 0.0
        if operator == "||":
            return 1.0 if self._truth(self.eval(left_node)) or self._truth(self.eval(right_node)) else 0.0
        left = self.eval(left_node)
        if operator in ("~", "!~"):
            pattern = (
                right_node[1]
                if right_node[0] == "match_record"
                else Pattern(_text(self.eval(right_node)), budget=self.budget)
            )
            found = pattern.search(_text(left)) is not None
            return 1.0 if found == (operator == "~") else 0.0
        right = self.eval(right_node)
        if operator in ("<", "<=", ">", ">=", "==", "!="):
            numeric = (
                _looks_numeric(left)
                and _looks_numeric(right)
                and not (
                    (isinstance(left, str) and left_node[0] == "str")
                    or (isinstance(right, str) and right_node[0] == "str")
                )
            )
            a: Any = _number(left) if numeric else _text(left)
            b: Any = _number(right) if numeric else _text(right)
            result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
            return 1.0 if result[operator] else 0.0
        return _arithmetic(operator, _number(left), _number(right))

    def _key(self, nodes: list[Node]) -> str:
        return "\x1c".join(_text(self.eval(n)) for n in nodes)

    def _store(self, target: Node, value: Any) -> None:
        if target[0] == "var":
            self.vars[target[1]] = value
            if target[1] == "NF":
                self.fields = self.fields[: int(_number(value)) + 1]
                self._rebuild()
        elif target[0] == "index":
            self.arrays.setdefault(target[1], {})[self._key(target[2])] = value
        else:
            index = int(_number(self.eval(target[1])))
            if index == 0:
                self._set_record(_text(value))
                return
            while len(self.fields) <= index:
                self.fields.append("")
            self.fields[index] = _text(value)
            self.vars["NF"] = float(len(self.fields) - 1)
            self._rebuild()


def _arithmetic(operator: str, a: float, b: float) -> float:
    if operator in "/%" and b == 0:
        raise AwkError("division by zero")
    return {
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "%": lambda: math.fmod(a, b),
        "^": lambda: a**b,
    }[operator]()


__all__ = ["Awk", "AwkError"]
