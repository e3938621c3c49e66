"""The shell's text filters: grep, sort, uniq, wc, head, tail, cut, tr and diff, written to print what
GNU coreutils/grep/diffutils print (in the C locale) for the options troubleshooting uses; the tests run
both on the same files. Patterns run with a time budget (``patterns``)."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable

from hadron.tasks.agentic.envs.patterns import Budget, Pattern, PatternError, PatternTimeout
from hadron.tasks.agentic.envs.shell_args import numeric_sort_key, split_options, take_repeated
from hadron.tasks.agentic.envs.shell_files import FileCommands

Result = tuple[str, int]


class TextCommands(FileCommands):
    budget: Budget

    def text_commands(self) -> dict[str, Callable[[list[str], str | None], Result]]:
        return {
            "grep": self.grep,
            "egrep": lambda args, stdin: self.grep(["-E", *args], stdin),
            "sort": self.sort,
            "uniq": self.uniq,
            "wc": self.wc,
            "head": self.head,
            "tail": self.tail,
            "cut": self.cut,
            "diff": self.diff,
        }

    def grep(self, args: list[str], stdin: str | None) -> Result:
        flags, values, operands = split_options(args, valued="emABC")
        pattern = values.get("e")
        if pattern is None:
            if not operands:
                return "Usage: grep [OPTION]... PATTERNS [FILE]...\n", 2
            pattern, operands = operands[0], operands[1:]
        source = _fixed(pattern) if "F" in flags else pattern
        if "w" in flags:
            source = rf"\b(?:{source})\b" if "E" in flags or "F" in flags else rf"\b\({source}\)\b"
        if "x" in flags:
            source = f"^(?:{source})$" if "E" in flags or "F" in flags else rf"^\({source}\)$"
        try:
            regex = Pattern(
                source, extended="E" in flags or "F" in flags, ignore_case="i" in flags, budget=self.budget
            )
        except PatternError as err:
            return f"grep: {err}\n", 2
        recursive = bool(flags & {"r", "R"})
        if recursive:
            operands = [
                self._relative(path) if not operand.startswith("/") else path
                for operand in operands or ["."]
                for path in sorted(self.machine.under(self.machine.path(operand)))
            ]
        found, errors = self._read("grep", operands, stdin)
        labelled = (len(found) > 1 or recursive or "H" in flags) and "h" not in flags
        out: list[str] = []
        hits = 0
        try:
            for label, text in found:
                count = 0
                for number, line in enumerate(text.splitlines(), 1):
                    match = regex.search(line)
                    if bool(match) == ("v" in flags):
                        continue
                    count += 1
                    if flags & {"l", "c", "q"}:
                        continue
                    prefix = (f"{label}:" if labelled else "") + (f"{number}:" if "n" in flags else "")
                    if "o" in flags and "v" not in flags:
                        out.extend(f"{prefix}{m.group(0)}\n" for m in regex.finditer(line) if m.group(0))
                    else:
                        out.append(f"{prefix}{line}\n")
                hits += count
                if "l" in flags and count:
                    out.append(f"{label}\n")
                elif "c" in flags:
                    out.append(f"{label}:{count}\n" if labelled else f"{count}\n")
        except PatternTimeout as err:
            return f"grep: {err}\n", 2
        if "q" in flags:
            return "", 0 if hits else (2 if errors else 1)
        return "".join(out) + errors, 2 if errors else (0 if hits else 1)

    def sort(self, args: list[str], stdin: str | None) -> Result:
        specs, args = take_repeated(args, "-k")
        flags, values, operands = split_options(args, valued="to")
        found, errors = self._read("sort", operands, stdin)
        lines = [line for _, text in found for line in text.splitlines()]
        try:
            keys = [_SortKey.parse(spec, flags, values.get("t")) for spec in specs] or [
                _SortKey(1, None, flags, values.get("t"), whole=True)
            ]
        except ValueError:
            return f"sort: invalid field specification '{specs[0]}'\n", 2
        reverse = "r" in flags

        def compare(a: str, b: str) -> int:
            for key in keys:
                order = key.compare(a, b)
                if order:
                    return order
            if "u" in flags or "s" in flags:
                return 0
            order = (a.encode() > b.encode()) - (a.encode() < b.encode())
            return -order if reverse else order

        lines.sort(key=functools.cmp_to_key(compare))
        if "u" in flags:
            unique: list[str] = []
            for line in lines:
                if not unique or compare(unique[-1], line) != 0:
                    unique.append(line)
            lines = unique
        text = "".join(f"{line}\n" for line in lines)
        if "o" in values:
            self.machine.write(self.machine.path(values["o"]), text)
            text = ""
        return text + errors, 2 if errors else 0

    def uniq(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        found, errors = self._read("uniq", operands[:1], stdin)
        groups: list[tuple[str, int]] = []
        for _, text in found:
            for line in text.splitlines():
                same = groups and (
                    groups[-1][0].lower() == line.lower() if "i" in flags else groups[-1][0] == line
                )
                if same:
                    groups[-1] = (groups[-1][0], groups[-1][1] + 1)
                else:
                    groups.append((line, 1))
        if "d" in flags:
            groups = [g for g in groups if g[1] > 1]
        if "u" in flags:
            groups = [g for g in groups if g[1] == 1]
        out = "".join(f"{n:7d} {line}\n" if "c" in flags else f"{line}\n" for line, n in groups)
        if len(operands) > 1:
            self.machine.write(self.machine.path(operands[1]), out)
            out = ""
        return out + errors, 1 if errors else 0

    def wc(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        found, errors = self._read("wc", operands, stdin)
        chosen = [f for f in "lwcm" if f in flags] or ["l", "w", "c"]
        rows = []
        totals = dict.fromkeys(chosen, 0)
        for label, text in found:
            counts = {
                "l": text.count("\n"),
                "w": len(text.split()),
                "c": len(text.encode()),
                "m": len(text),
            }
            for name in chosen:
                totals[name] += counts[name]
            rows.append(([counts[name] for name in chosen], "" if label == "-" else label))
        if len(found) > 1:
            rows.append(([totals[name] for name in chosen], "total"))
        if len(chosen) == 1 and len(found) == 1:
            width = 1  # GNU: one number of one input is not padded
        elif any(label == "-" for label, _ in found):
            width = 7  # GNU pads to 7 when an input is not a regular file
        else:
            width = len(str(sum(len(text.encode()) for _, text in found)))
        out = "".join(
            " ".join(f"{number:>{width}}" for number in numbers) + (f" {label}" if label else "") + "\n"
            for numbers, label in rows
        )
        return out + errors, 1 if errors else 0

    def head(self, args: list[str], stdin: str | None, *, tail: bool = False) -> Result:
        name = "tail" if tail else "head"
        _, values, operands = split_options(args, valued="nc")
        unit = "c" if "c" in values else "n"
        raw = values.get(unit, "10")
        try:
            count = int(raw.lstrip("+-"))
        except ValueError:
            kind = "bytes" if unit == "c" else "lines"
            return f"{name}: invalid number of {kind}: '{raw}'\n", 1
        found, errors = self._read(name, operands, stdin)
        parts = []
        for label, text in found:
            items: list[str] = list(text) if unit == "c" else text.splitlines(keepends=True)
            if tail:
                chosen = items[count - 1 :] if raw.startswith("+") else (items[-count:] if count else [])
            else:
                chosen = items[: len(items) - count] if raw.startswith("-") else items[:count]
            header = f"==> {label} <==\n" if len(found) > 1 else ""
            parts.append(header + "".join(chosen))
        return "\n".join(parts) + errors, 1 if errors else 0

    def tail(self, args: list[str], stdin: str | None) -> Result:
        return self.head(args, stdin, tail=True)

    def cut(self, args: list[str], stdin: str | None) -> Result:
        _, values, operands = split_options(args, valued="dfc")
        spec = values.get("f") or values.get("c")
        if not spec:
            return "cut: you must specify a list of bytes, characters, or fields\n", 1
        wanted = _ranges(spec)
        if wanted is None:
            return f"cut: invalid field value '{spec}'\n", 1
        delimiter = values.get("d", "\t")
        found, errors = self._read("cut", operands, stdin)
        out = []
        for _, text in found:
            for line in text.splitlines():
                if "c" in values:
                    out.append("".join(c for i, c in enumerate(line, 1) if wanted(i)) + "\n")
                elif delimiter not in line:
                    out.append(line + "\n")
                else:
                    fields = line.split(delimiter)
                    out.append(delimiter.join(f for i, f in enumerate(fields, 1) if wanted(i)) + "\n")
        return "".join(out) + errors, 1 if errors else 0

    def diff(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        if len(operands) != 2:
            return f"diff: missing operand after '{operands[-1] if operands else 'diff'}'\n", 2
        found, errors = self._read("diff", operands, stdin)
        if errors:
            return errors, 2
        (_, left), (_, right) = found
        if left == right:
            return "", 0
        if "q" in flags:
            return f"Files {operands[0]} and {operands[1]} differ\n", 1
        a, b = left.splitlines(keepends=True), right.splitlines(keepends=True)
        if "u" in flags:
            lines = difflib.unified_diff(a, b, operands[0], operands[1], n=3)
            return "".join(_newline(line) for line in lines), 1
        return _normal_diff(a, b), 1


def _fixed(text: str) -> str:
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\" else c for c in text)


class _SortKey:
    """One ``-k START[,END][nrbfh]`` key (a key with no letters of its own takes the global ones)."""

    def __init__(
        self, start: int, end: int | None, flags: set[str], separator: str | None, *, whole: bool = False
    ) -> None:
        self.start, self.end, self.separator, self.whole = start, end, separator, whole
        self.numeric = bool(flags & {"n", "h"})
        self.reverse = "r" in flags
        self.blanks = "b" in flags
        self.fold = "f" in flags

    @classmethod
    def parse(cls, spec: str, flags: set[str], separator: str | None) -> _SortKey:
        head, _, tail = spec.partition(",")
        own = set(head.lstrip("0123456789.") + tail.lstrip("0123456789."))
        start = int(head.rstrip("nbrfh").split(".")[0])
        end = int(tail.rstrip("nbrfh").split(".")[0]) if tail else None
        if start < 1 or not own <= set("nbrfh"):
            raise ValueError(spec)
        return cls(start, end, own or flags, separator)

    def _fields(self, line: str) -> list[str]:
        if self.separator:
            return line.split(self.separator)
        parts, current, in_blank = [], "", True
        for char in line:  # without -t a field is its leading blanks plus the word, as in GNU sort
            if char in " \t" and not in_blank:
                parts.append(current)
                current, in_blank = char, True
            else:
                current += char
                in_blank = in_blank and char in " \t"
        parts.append(current)
        return parts

    def extract(self, line: str) -> object:
        text = (
            line if self.whole else (self.separator or "").join(self._fields(line)[self.start - 1 : self.end])
        )
        if self.blanks:
            text = text.lstrip(" \t")
        if self.numeric:
            return numeric_sort_key(text.lstrip())
        return (text.upper() if self.fold else text).encode()

    def compare(self, a: str, b: str) -> int:
        ka, kb = self.extract(a), self.extract(b)
        order = (ka > kb) - (ka < kb)  # type: ignore[operator]
        return -order if self.reverse else order


def _ranges(spec: str) -> Callable[[int], bool] | None:
    parts = []
    for item in spec.split(","):
        low, dash, high = item.partition("-")
        try:
            start = int(low) if low else 1
            end = (int(high) if high else 10**9) if dash else start
        except ValueError:
            return None
        parts.append((start, end))
    return lambda index: any(start <= index <= end for start, end in parts)


def _newline(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _span(start: int, end: int) -> str:
    return f"{start + 1},{end}" if end - start > 1 else f"{end if end > start else start}"


def _normal_diff(a: list[str], b: list[str]) -> str:
    """GNU diff's default output: ``2c2``, ``3a4``, ``5d4`` hunks with ``<`` and ``>`` lines."""
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            out.append(f"{_span(i1, i2)}c{_span(j1, j2)}\n")
            out.extend(_newline("< " + line) for line in a[i1:i2])
            out.append("---\n")
            out.extend(_newline("> " + line) for line in b[j1:j2])
        elif tag == "delete":
            out.append(f"{_span(i1, i2)}d{j1}\n")
            out.extend(_newline("< " + line) for line in a[i1:i2])
        else:
            out.append(f"{i1}a{_span(j1, j2)}\n")
            out.extend(_newline("> " + line) for line in b[j1:j2])
    return "".join(out)


__all__ = ["TextCommands"]
