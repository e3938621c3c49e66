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

from hadron.tasks.agentic.envs.patterns import Budget, Pattern, PatternError

Node = tuple[Any, ...]
_TOKEN = re.compile(
    r"""(?P<space>[ \t]+|\\\n)|(?P<newline>[\n;]+)|(?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)
    |(?P<string>"(?:[^"\\]|\\.)*")|(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\+\+|--|\+=|-=|\*=|/=|%=|==|!=|<=|>=|&&|\|\||!~|[-+*/%<>=!~$(){},\[\]?:^])""",
    re.VERBOSE,
)
_KEYWORDS = {"BEGIN", "END", "print", "printf", "if", "else", "for", "in", "next", "while", "delete"}
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/"}


class AwkError(ValueError):
    pass


class _Next(Exception):
    pass


def tokenize(source: str, budget: Budget) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    index = 0
    while index < len(source):
        if source[index] == "#":
            index = source.find("\n", index) if "\n" in source[index:] else len(source)
            continue
        if source[index] == "/" and _operand_expected(tokens):
            end = index + 1
            while end < len(source) and source[end] != "/":
                end += 2 if source[end] == "\\" else 1
            try:
                tokens.append(("regex", Pattern(source[index + 1 : end], budget=budget)))
            except PatternError as err:
                raise AwkError(f"bad regex: {err}") from None
            index = end + 1
            continue
        match = _TOKEN.match(source, index)
        if match is None:
            raise AwkError(f"syntax error at {source[index : index + 10]!r}")
        kind = match.lastgroup or ""
        text = match.group()
        index = match.end()
        if kind == "space":
            continue
        if kind == "string":
            text = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])
        elif kind == "number":
            tokens.append(("number", float(text)))
            continue
        elif kind == "name" and text in _KEYWORDS:
            kind = text
        elif kind == "newline":
            text = ";"
            if tokens and tokens[-1][0] == "newline":
                continue
        tokens.append((kind, text))
    tokens.append(("eof", ""))
    return tokens


def _operand_expected(tokens: list[tuple[str, Any]]) -> bool:
    if not tokens:
        return True
    kind, text = tokens[-1]
    return (
        kind in ("newline", "BEGIN", "print", "printf", "in")
        or (kind == "op" and text not in (")", "]", "++", "--", "$"))
        or (kind == "op" and text == "{")
    )


class Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, *texts: str) -> bool:
        kind, text = self.tokens[self.index]
        return (text if kind == "op" else kind) in texts

    def take(self, *texts: str) -> tuple[str, Any]:
        if texts and not self.peek(*texts):
            kind, text = self.tokens[self.index]
            raise AwkError(f"syntax error: expected {' or '.join(texts)}, got {text or kind!r}")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def skip_separators(self) -> None:
        while self.peek("newline"):
            self.index += 1

    def program(self) -> list[tuple[Any, Node | None]]:
        items: list[tuple[Any, Node | None]] = []
        self.skip_separators()
        while not self.peek("eof"):
            if self.peek("BEGIN", "END"):
                pattern: Any = self.take()[0]
            elif self.peek("{"):
                pattern = None
            else:
                pattern = self.expression()
            action = self.block() if self.peek("{") else None
            items.append((pattern, action))
            self.skip_separators()
        return items

    def block(self) -> Node:
        self.take("{")
        body = []
        self.skip_separators()
        while not self.peek("}"):
            body.append(self.statement())
            self.skip_separators()
        self.take("}")
        return ("block", body)

    def statement(self) -> Node:
        if self.peek("{"):
            return self.block()
        if self.peek("print", "printf"):
            name = self.take()[0]
            args = []
            if not self.peek("newline", "}", ">", "eof"):
                args = self.expressions(no_compare=True)
            target = None
            if self.peek(">"):
                self.take()
                target = self.primary()
            return (name, args, target)
        if self.peek("if"):
            self.take()
            self.take("(")
            condition = self.expression()
            self.take(")")
            self.skip_separators()
            then = self.statement()
            other = None
            save = self.index
            self.skip_separators()
            if self.peek("else"):
                self.take()
                self.skip_separators()
                other = self.statement()
            else:
                self.index = save
            return ("if", condition, then, other)
        if self.peek("for"):
            self.take()
            self.take("(")
            name = self.take("name")[1]
            self.take("in")
            array = self.take("name")[1]
            self.take(")")
            self.skip_separators()
            return ("for_in", name, array, self.statement())
        if self.peek("next"):
            self.take()
            return ("next",)
        return ("expr", self.expression())

    def expressions(self, *, no_compare: bool = False) -> list[Node]:
        items = [self.expression(no_compare=no_compare)]
        while self.peek(","):
            self.take()
            items.append(self.expression(no_compare=no_compare))
        return items

    def expression(self, *, no_compare: bool = False) -> Node:
        left = self.ternary(no_compare)
        if self.peek("=", "+=", "-=", "*=", "/=", "%=") and left[0] in ("var", "field", "index"):
            operator = self.take()[1]
            return ("assign", operator, left, self.expression(no_compare=no_compare))
        return left

    def ternary(self, no_compare: bool) -> Node:
        condition = self.binary(0, no_compare)
        if self.peek("?"):
            self.take()
            then = self.ternary(no_compare)
            self.take(":")
            return ("cond", condition, then, self.ternary(no_compare))
        return condition

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("in",),
        ("~", "!~"),
        ("<", "<=", ">", ">=", "==", "!="),
        ("concat",),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int, no_compare: bool) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        operators = self._LEVELS[level]
        left = self.binary(level + 1, no_compare)
        while True:
            if operators == ("concat",):
                if self._starts_operand():
                    left = ("concat", left, self.binary(level + 1, no_compare))
                    continue
                return left
            if operators == ("in",) and self.peek("in"):
                self.take()
                left = ("in", left, self.take("name")[1])
                continue
            if self.peek(*operators) and not (no_compare and self.peek(">")):
                operator = self.take()[1]
                left = ("binary", operator, left, self.binary(level + 1, no_compare))
                continue
            return left

    def _starts_operand(self) -> bool:
        kind, text = self.tokens[self.index]
        return kind in ("number", "string", "name", "regex") or (
            kind == "op" and text in ("$", "(", "!", "-")
        )

    def unary(self) -> Node:
        if self.peek("!"):
            self.take()
            return ("not", self.unary())
        if self.peek("-"):
            self.take()
            return ("neg", self.unary())
        if self.peek("++", "--"):
            operator = self.take()[1]
            return ("incr", operator, self.unary(), True)
        node = self.power()
        if self.peek("++", "--") and node[0] in ("var", "field", "index"):
            return ("incr", self.take()[1], node, False)
        return node

    def power(self) -> Node:
        base = self.primary()
        if self.peek("^"):
            self.take()
            return ("binary", "^", base, self.power())
        return base

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return ("num", value)
        if kind == "string":
            return ("str", value)
        if kind == "regex":
            return ("match_record", value)
        if kind == "op" and value == "$":
            return ("field", self.primary())
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "name":
            if self.peek("(") and value in _FUNCTIONS:
                self.take()
                args = [] if self.peek(")") else self.expressions()
                self.take(")")
                return ("call", value, args)
            if self.peek("["):
                self.take()
                key = self.expressions()
                self.take("]")
                return ("index", value, key)
            if value in ("length",):
                return ("call", value, [])
            return ("var", value)
        raise AwkError(f"syntax error at {value or kind!r}")


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
        self.items = Parser(tokenize(source, budget)).program()
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
