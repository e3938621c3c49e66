"""The shell's file commands: reading (cat, head, tail, grep, wc, sort), changing (rm, truncate, sed,
echo, touch, mkdir) and navigating (ls, find, pwd, cd) the simulated filesystem."""

from __future__ import annotations

import fnmatch
import re

from hadron.tasks.agentic.envs.machine import Machine, human, parse_size
from hadron.tasks.agentic.envs.shell_args import numeric_sort_key, split_options

Result = tuple[str, int]


class FileCommands:
    machine: Machine

    def _relative(self, path: str) -> str:
        cwd = self.machine.state.cwd.rstrip("/") + "/"
        return path[len(cwd) :] if path.startswith(cwd) else path

    # -- reading files ---------------------------------------------------------------------------------

    def _read(self, name: str, operands: list[str], stdin: str | None) -> tuple[list[tuple[str, str]], str]:
        """(label, text) per input and the error text for the ones that could not be read."""
        if not operands:
            return [("-", stdin or "")], ""
        found: list[tuple[str, str]] = []
        errors = ""
        for operand in operands:
            path = self.machine.path(operand)
            if path in self.machine.state.files:
                found.append((operand, self.machine.state.files[path].content))
            elif self.machine.is_dir(path):
                errors += f"{name}: {operand}: Is a directory\n"
            else:
                errors += f"{name}: {operand}: No such file or directory\n"
        return found, errors

    def cat(self, args: list[str], stdin: str | None) -> Result:
        _, _, operands = split_options(args)
        found, errors = self._read("cat", operands, stdin)
        return "".join(_line_end(text) for _, text in found) + errors, 1 if errors else 0

    def head(self, args: list[str], stdin: str | None, *, tail: bool = False) -> Result:
        _, values, operands = split_options(args, valued="nc")
        try:
            count = int(values.get("n", "10").lstrip("+-"))
        except ValueError:
            return f"{'tail' if tail else 'head'}: invalid number of lines: {values['n']!r}\n", 1
        found, errors = self._read("tail" if tail else "head", operands, stdin)
        parts = []
        for label, text in found:
            lines = text.splitlines()
            chosen = (lines[-count:] if count else []) if tail else lines[:count]
            header = f"==> {label} <==\n" if len(found) > 1 else ""
            parts.append(header + "".join(f"{line}\n" for line in chosen))
        return "\n".join(parts) + errors, 1 if errors else 0

    def tail(self, args: list[str], stdin: str | None) -> Result:
        return self.head(args, stdin, tail=True)

    def grep(self, args: list[str], stdin: str | None) -> Result:
        flags, values, operands = split_options(args, valued="em")
        pattern = values.get("e")
        if pattern is None:
            if not operands:
                return "Usage: grep [OPTION]... PATTERNS [FILE]...\n", 2
            pattern, operands = operands[0], operands[1:]
        try:
            regex = re.compile(pattern.replace(r"\|", "|"), re.IGNORECASE if "i" in flags else 0)
        except re.error as err:
            return f"grep: invalid pattern: {err}\n", 2
        if "r" in flags or "R" in flags:
            operands = [
                path
                for operand in operands or ["."]
                for path in sorted(self.machine.under(self.machine.path(operand)))
            ]
        found, errors = self._read("grep", operands, stdin)
        out, hits = [], 0
        for label, text in found:
            matched = [
                (n, line)
                for n, line in enumerate(text.splitlines(), 1)
                if bool(regex.search(line)) != ("v" in flags)
            ]
            hits += len(matched)
            prefix = f"{label}:" if len(found) > 1 else ""
            if "l" in flags and matched:
                out.append(f"{label}\n")
            elif "c" in flags:
                out.append(f"{prefix}{len(matched)}\n")
            elif "l" not in flags:
                out.extend(f"{prefix}{f'{n}:' if 'n' in flags else ''}{line}\n" for n, line in matched)
        return "".join(out) + errors, 2 if errors else (0 if hits else 1)

    def wc(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        found, errors = self._read("wc", operands, stdin)
        rows = []
        for label, text in found:
            counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
            shown = [counts[f] for f in "lwc" if f in flags] or list(counts.values())
            rows.append(" ".join(str(c) for c in shown) + ("" if label == "-" else f" {label}") + "\n")
        return "".join(rows) + errors, 1 if errors else 0

    def sort(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        found, errors = self._read("sort", operands, stdin)
        lines = [line for _, text in found for line in text.splitlines()]
        if "h" in flags or "n" in flags:
            lines.sort(key=numeric_sort_key)
        else:
            lines.sort()
        if "r" in flags:
            lines.reverse()
        return "".join(f"{line}\n" for line in lines) + errors, 1 if errors else 0

    # -- changing files ---------------------------------------------------------------------------------

    def rm(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        if not operands:
            return "rm: missing operand\n", 1
        errors = ""
        for operand in operands:
            path = self.machine.path(operand)
            if path == "/" and flags & {"r", "R"}:
                errors += "rm: it is dangerous to operate recursively on '/'\n"
            elif path in self.machine.state.files:
                self.machine.remove(path)
            elif self.machine.is_dir(path):
                if flags & {"r", "R"}:
                    self.machine.remove(path)
                else:
                    errors += f"rm: cannot remove '{operand}': Is a directory\n"
            elif "f" not in flags:
                errors += f"rm: cannot remove '{operand}': No such file or directory\n"
        return errors, 1 if errors else 0

    def truncate(self, args: list[str], stdin: str | None) -> Result:
        _, values, operands = split_options(args, valued="s")
        if "s" not in values or not operands:
            return "truncate: you must specify '-s SIZE' and a file\n", 1
        try:
            size = int(parse_size(values["s"]))
        except ValueError:
            return f"truncate: invalid number: {values['s']!r}\n", 1
        for operand in operands:
            path = self.machine.path(operand)
            entry = self.machine.state.files.get(path)
            if entry is None:
                self.machine.write(path, "")
                entry = self.machine.state.files[path]
            entry.content = entry.content.encode()[:size].decode(errors="ignore")
            entry.size = None if size <= len(entry.content.encode()) else size
        return "", 0

    def sed(self, args: list[str], stdin: str | None) -> Result:
        flags, values, operands = split_options(args, valued="e")
        script = values.get("e") or (operands.pop(0) if operands else "")
        match = re.fullmatch(r"s(.)(.*?)\1(.*?)\1(g?)", script)
        if match is None:
            return f"sed: only s/PATTERN/REPLACEMENT/[g] scripts are supported, got {script!r}\n", 1
        _, pattern, replacement, glob = match.groups()
        try:
            regex = re.compile(pattern)
        except re.error as err:
            return f"sed: -e expression #1: {err}\n", 1
        found, errors = self._read("sed", operands, stdin)
        out = ""
        for label, text in found:
            changed = "".join(
                regex.sub(replacement.replace("&", r"\g<0>"), line, count=0 if glob else 1)
                for line in text.splitlines(keepends=True)
            )
            if "i" in flags and label != "-":
                self.machine.write(self.machine.path(label), changed)
            else:
                out += changed
        return out + errors, 1 if errors else 0

    def echo(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        return " ".join(operands) + ("" if "n" in flags else "\n"), 0

    def touch(self, args: list[str], stdin: str | None) -> Result:
        for operand in split_options(args)[2]:
            path = self.machine.path(operand)
            if not self.machine.exists(path):
                self.machine.write(path, "")
        return "", 0

    def mkdir(self, args: list[str], stdin: str | None) -> Result:
        for operand in split_options(args)[2]:
            path = self.machine.path(operand)
            if not self.machine.exists(path):
                self.machine.state.dirs.append(path)
        return "", 0

    # -- navigating -----------------------------------------------------------------------------------

    def ls(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        out, errors = [], ""
        for operand in operands or ["."]:
            path = self.machine.path(operand)
            if path in self.machine.state.files:
                out.append(self._ls_line(path, operand, flags))
            elif self.machine.is_dir(path):
                names = [n for n in self.machine.children(path) if "a" in flags or not n.startswith(".")]
                header = f"{operand}:\n" if len(operands) > 1 else ""
                if "l" in flags:
                    body = f"total {len(names)}\n" + "".join(
                        self._ls_line(f"{path.rstrip('/')}/{n}", n, flags) for n in names
                    )
                else:
                    body = "".join(f"{n}\n" for n in names)
                out.append(header + body)
            else:
                errors += f"ls: cannot access '{operand}': No such file or directory\n"
        return "".join(out) + errors, 2 if errors else 0

    def _ls_line(self, path: str, label: str, flags: set[str]) -> str:
        if "l" not in flags:
            return f"{label}\n"
        entry = self.machine.state.files.get(path)
        if entry is None:
            return f"drwxr-xr-x 2 root root {'4.0K' if 'h' in flags else '4096':>6} May  1 09:00 {label}\n"
        size = human(entry.bytes) if "h" in flags else str(entry.bytes)
        return f"-rw-r--r-- 1 {entry.owner} {entry.owner} {size:>6} {entry.mtime} {label}\n"

    def find(self, args: list[str], stdin: str | None) -> Result:
        roots = [a for a in args[:1] if not a.startswith("-")] or ["."]
        tests = args[len(roots) if args[:1] == roots else 0 :]
        options = dict(zip(tests[::2], tests[1::2], strict=False))
        unknown = [name for name in options if name not in ("-name", "-type", "-size")]
        if unknown:
            return f"find: unknown predicate '{unknown[0]}'\n", 1
        root = self.machine.path(roots[0])
        if not self.machine.exists(root):
            return f"find: '{roots[0]}': No such file or directory\n", 1
        paths = sorted(
            set(self.machine.under(root))
            | {d for d in self.machine.state.dirs if d.startswith(root.rstrip("/") + "/")}
        )
        size = options.get("-size")
        try:
            threshold = int(parse_size(size.lstrip("+-").rstrip("c"))) if size else 0
        except ValueError:
            return f"find: invalid argument '{size}' to '-size'\n", 1
        hits = []
        for path in paths:
            is_file = path in self.machine.state.files
            if (options.get("-type") == "f" and not is_file) or (options.get("-type") == "d" and is_file):
                continue
            if "-name" in options and not fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], options["-name"]):
                continue
            if size and not (
                is_file and _size_matches(self.machine.state.files[path].bytes, size, threshold)
            ):
                continue
            hits.append(path if roots[0].startswith("/") else self._relative(path))
        return "".join(f"{hit}\n" for hit in hits), 0

    def pwd(self, args: list[str], stdin: str | None) -> Result:
        return self.machine.state.cwd + "\n", 0

    def cd(self, args: list[str], stdin: str | None) -> Result:
        path = self.machine.path(args[0] if args else "/root")
        if not self.machine.is_dir(path):
            return f"bash: cd: {args[0]}: No such file or directory\n", 1
        self.machine.state.cwd = path
        return "", 0


def _line_end(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _size_matches(actual: int, spec: str, threshold: int) -> bool:
    if spec.startswith("+"):
        return actual > threshold
    if spec.startswith("-"):
        return actual < threshold
    return actual == threshold


__all__ = ["FileCommands"]
