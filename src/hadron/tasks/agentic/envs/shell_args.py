"""Argument helpers shared by the shell's commands."""

from __future__ import annotations

import re

from hadron.tasks.agentic.envs.machine import parse_size


def split_options(args: list[str], valued: str = "") -> tuple[set[str], dict[str, str], list[str]]:
    """(single-letter flags, values of ``valued`` flags, operands); ``-la`` is ``-l -a``, ``-n5`` works."""
    flags: set[str] = set()
    values: dict[str, str] = {}
    operands: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            operands.extend(items)
        elif arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            values[name] = value
        elif arg.startswith("-") and len(arg) > 1 and not arg[1:].isdigit():
            for index, letter in enumerate(arg[1:]):
                if letter in valued:
                    values[letter] = arg[index + 2 :] or next(items, "")
                    break
                flags.add(letter)
        elif arg.startswith("-") and arg[1:].isdigit():
            values["n"] = arg[1:]
        else:
            operands.append(arg)
    return flags, values, operands


def take_repeated(args: list[str], option: str) -> tuple[list[str], list[str]]:
    """(the values of every ``option VALUE``/``optionVALUE``, the other arguments): for ``sed -e`` and
    ``awk -v``, which may repeat."""
    values: list[str] = []
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == option:
            values.append(next(items, ""))
        elif arg.startswith(option) and len(arg) > len(option):
            values.append(arg[len(option) :])
        else:
            rest.append(arg)
    return values, rest


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)([KMGT]?)")


def numeric_sort_key(line: str) -> float:
    """``sort -h`` / ``sort -n``: the leading number of a line, with K/M/G/T suffixes understood."""
    match = _NUMBER.match(line)
    if match is None:
        return float("-inf")
    return float(parse_size(match.group(1) + match.group(2)))


__all__ = ["numeric_sort_key", "split_options", "take_repeated"]
