"""``sed`` for the shell: addresses (``N``, ``$``, ``/re/``, ``A,B`` ranges, ``!``), the commands
``s``, ``d``, ``p``, ``q``, ``a``, ``i``, ``c`` and ``=``, ``-n``, ``-E``, several ``-e`` and ``-i``
in place. Scripts parse before any line is read, so a bad script changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hadron.tasks.agentic.envs.patterns import Budget, Pattern, PatternError

Address = int | str | Pattern
"""A line number, ``$``, or a pattern."""


class SedError(ValueError):
    pass


@dataclass
class Command:
    name: str
    start: Address | None = None
    end: Address | None = None
    negate: bool = False
    pattern: Pattern | None = None
    replacement: str = ""
    count: int = 1
    """``s``: which match to replace (0: every one)."""
    print_after: bool = False
    text: str = ""
    active: bool = field(default=False, repr=False)
    """Inside an ``A,B`` range."""


def parse(script: str, *, extended: bool, budget: Budget) -> list[Command]:
    commands: list[Command] = []
    index = 0
    while index < len(script):
        while index < len(script) and script[index] in " \t\n;":
            index += 1
        if index >= len(script):
            break
        command = Command("")
        command.start, index = _address(script, index, extended, budget)
        if command.start is not None and script[index : index + 1] == ",":
            command.end, index = _address(script, index + 1, extended, budget)
            if command.end is None:
                raise SedError("unexpected `,'")
        while script[index : index + 1] in (" ", "!"):
            command.negate = command.negate or script[index] == "!"
            index += 1
        if index >= len(script):
            raise SedError("missing command")
        command.name = script[index]
        index += 1
        if command.name == "s":
            index = _substitution(script, index, command, extended, budget)
        elif command.name in "aic":
            text = script[index:].split("\n", 1)[0]
            index += len(text)
            command.text = text[1:].lstrip("\n") if text.startswith("\\") else text.lstrip()
        elif command.name not in "dpq=":
            raise SedError(f"unknown command: `{command.name}'")
        commands.append(command)
    return commands


def _address(script: str, index: int, extended: bool, budget: Budget) -> tuple[Address | None, int]:
    if index < len(script) and script[index].isdigit():
        match = re.match(r"\d+", script[index:])
        assert match is not None
        return int(match.group()), index + match.end()
    if script[index : index + 1] == "$":
        return "$", index + 1
    if script[index : index + 1] in ("/", "\\"):
        delimiter = "/" if script[index] == "/" else script[index + 1]
        start = index + (1 if script[index] == "/" else 2)
        source, index = _until(script, start, delimiter)
        return _compile(source, extended, budget), index
    return None, index


def _until(script: str, index: int, delimiter: str) -> tuple[str, int]:
    """The text up to an unescaped ``delimiter`` and the index after it."""
    out = []
    while index < len(script):
        char = script[index]
        if char == "\\" and index + 1 < len(script):
            nxt = script[index + 1]
            out.append(nxt if nxt == delimiter else "\\" + nxt)
            index += 2
            continue
        if char == delimiter:
            return "".join(out), index + 1
        out.append(char)
        index += 1
    raise SedError(f"unterminated address regex or `s' command near {script[-20:]!r}")


def _compile(source: str, extended: bool, budget: Budget) -> Pattern:
    try:
        return Pattern(source, extended=extended, budget=budget)
    except PatternError as err:
        raise SedError(str(err)) from None


def _substitution(script: str, index: int, command: Command, extended: bool, budget: Budget) -> int:
    if index >= len(script):
        raise SedError("unterminated `s' command")
    delimiter = script[index]
    source, index = _until(script, index + 1, delimiter)
    command.replacement, index = _until(script, index, delimiter)
    ignore_case = False
    while index < len(script) and script[index] not in ";\n}":
        flag = script[index]
        if flag == "g":
            command.count = 0
        elif flag.isdigit():
            command.count = int(flag)
        elif flag == "p":
            command.print_after = True
        elif flag in "iI":
            ignore_case = True
        elif flag != " ":
            raise SedError(f"unknown option to `s': {flag}")
        index += 1
    try:
        command.pattern = Pattern(source, extended=extended, ignore_case=ignore_case, budget=budget)
    except PatternError as err:
        raise SedError(str(err)) from None
    return index


def _expand(replacement: str, match: re.Match[str]) -> str:
    out = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\" and index + 1 < len(replacement):
            nxt = replacement[index + 1]
            out.append(match.group(int(nxt)) or "" if nxt.isdigit() else "\n" if nxt == "n" else nxt)
            index += 2
        elif char == "&":
            out.append(match.group(0))
            index += 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _hits(address: Address, number: int, last: bool, line: str) -> bool:
    if isinstance(address, int):
        return number == address
    if address == "$":
        return last
    assert isinstance(address, Pattern)
    return address.search(line) is not None


def _selected(command: Command, number: int, last: bool, line: str) -> bool:
    if command.start is None:
        chosen = True
    elif command.end is None:
        chosen = _hits(command.start, number, last, line)
    elif command.active:
        chosen = True
        if (isinstance(command.end, int) and number >= command.end) or _hits(command.end, number, last, line):
            command.active = False
    elif _hits(command.start, number, last, line):
        chosen = True
        command.active = not (isinstance(command.end, int) and command.end <= number)
    else:
        chosen = False
    return chosen != command.negate


def run(commands: list[Command], text: str, *, quiet: bool) -> str:
    """Apply the script to ``text`` (one input, as with ``-i``/``-s``)."""
    lines = text.splitlines()
    out: list[str] = []
    for number, line in enumerate(lines, 1):
        last = number == len(lines)
        after: list[str] = []
        deleted = stop = False
        for command in commands:
            if not _selected(command, number, last, line):
                continue
            if command.name == "s":
                assert command.pattern is not None
                line, done = _substitute(command, line)
                if done and command.print_after:
                    out.append(line)
            elif command.name == "d":
                deleted = True
                break
            elif command.name == "p":
                out.append(line)
            elif command.name == "q":
                stop = True
                break
            elif command.name == "=":
                out.append(str(number))
            elif command.name == "a":
                after.append(command.text)
            elif command.name == "i":
                out.append(command.text)
            elif command.name == "c":
                if command.end is None or not command.active:
                    out.append(command.text)
                deleted = True
                break
        if not deleted and not quiet:
            out.append(line)
        out.extend(after)
        if stop:
            break
    return "".join(f"{line}\n" for line in out)


def _substitute(command: Command, line: str) -> tuple[str, bool]:
    """(the line, whether a substitution was made)."""
    assert command.pattern is not None
    if command.count == 0:
        new, found = command.pattern.sub(lambda m: _expand(command.replacement, m), line)
        return new, found > 0
    seen = 0

    def nth(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return _expand(command.replacement, match) if seen == command.count else match.group(0)

    new, found = command.pattern.sub(nth, line, count=command.count)
    return new, found >= command.count


__all__ = ["Command", "SedError", "parse", "run"]
