"""The lexer and parser of the shell's ``awk``: program text to ``(pattern, action)`` pairs of ``Node``
tuples, which ``shell_awk.Awk`` runs. Regex literals compile here, under the shell's time budget."""

from __future__ import annotations

import re
from collections.abc import Collection
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
    def __init__(self, tokens: list[tuple[str, Any]], functions: Collection[str]) -> None:
        """``functions``: the builtin names that ``name(`` calls (otherwise ``name (x)`` concatenates)."""
        self.tokens = tokens
        self.functions = functions
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
            if self.peek("(") and value in self.functions:
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


__all__ = ["AwkError", "Node", "Parser", "tokenize"]
