"""The shell's ``find`` (tests, ``-print``, ``-delete``, ``-exec ... ;`` and ``-exec ... {} +``) and
``xargs``: the commands that run other commands, printing and exiting as GNU findutils do."""

from __future__ import annotations

import fnmatch
import posixpath
import shlex
from collections.abc import Callable

from hadron.tasks.agentic.envs.machine import parse_size
from hadron.tasks.agentic.envs.shell_args import split_options
from hadron.tasks.agentic.envs.shell_ops import FileOps

Result = tuple[str, int]


class FindCommands(FileOps):
    run_argv: Callable[[list[str], str | None], Result]
    """Runs one command (set by the shell): what ``find -exec`` and ``xargs`` call."""

    def find_commands(self) -> dict[str, Callable[[list[str], str | None], Result]]:
        return {"find": self.find, "xargs": self.xargs}

    def find(self, args: list[str], stdin: str | None) -> Result:
        roots: list[str] = []
        while args and not args[0].startswith("-") and args[0] not in ("(", "!"):
            roots.append(args[0])
            args = args[1:]
        try:
            tests, actions = _find_program(args)
        except ValueError as err:
            return f"find: {err}\n", 1
        out, errors, code = [], "", 0
        for root in roots or ["."]:
            start = self.machine.path(root)
            if not self.machine.exists(start):
                errors += f"find: '{root}': No such file or directory\n"
                code = 1
                continue
            batch: dict[int, list[str]] = {}
            for path in self._walk(start):
                rel = path[len(start) :].lstrip("/")
                shown = (root if root.endswith("/") else root + "/") + rel if rel else root
                depth = rel.count("/") + 1 if rel else 0
                if not self._find_matches(path, shown, depth, tests):
                    continue
                for number, (action, argv) in enumerate(actions):
                    if action == "print":
                        out.append(shown + "\n")
                    elif action == "delete":
                        self._remove(path)
                    elif action == "exec":
                        text, status = self.run_argv([shown if a == "{}" else a for a in argv], None)
                        out.append(text)
                        code = code or (1 if status else 0)
                    else:
                        batch.setdefault(number, []).append(shown)
            for number, names in batch.items():
                argv = actions[number][1]
                text, status = self.run_argv([*argv[:-1], *names], None)
                out.append(text)
                code = code or (1 if status else 0)
        return "".join(out) + errors, code

    def _find_matches(self, path: str, shown: str, depth: int, tests: list[tuple[str, str]]) -> bool:
        is_dir = self.machine.is_dir(path)
        name = posixpath.basename(path) or shown
        for test, value in tests:
            ok = True
            if test == "-name":
                ok = fnmatch.fnmatchcase(name, value)
            elif test == "-iname":
                ok = fnmatch.fnmatchcase(name.lower(), value.lower())
            elif test == "-path":
                ok = fnmatch.fnmatchcase(shown, value)
            elif test == "-type":
                ok = value == ("d" if is_dir else "f")
            elif test == "-maxdepth":
                ok = depth <= int(value)
            elif test == "-mindepth":
                ok = depth >= int(value)
            elif test == "-size":
                entry = self.machine.state.files.get(path)
                ok = entry is not None and _size_matches(entry.bytes, value)
            elif test == "-empty":
                entry = self.machine.state.files.get(path)
                ok = (entry.bytes == 0) if entry is not None else not self.machine.children(path)
            elif test == "-perm":
                ok = f"{self._mode(path):03o}" == value.lstrip("0").rjust(3, "0")
            elif test == "-user":
                entry = self.machine.state.files.get(path)
                ok = (
                    entry.owner if entry else self.machine.state.dir_owners.get(path, "root:").split(":")[0]
                ) == value
            if not ok:
                return False
        return True

    def xargs(self, args: list[str], stdin: str | None) -> Result:
        own = _until_command(args)
        flags, values, _ = split_options(own, valued="nIL")
        command = args[len(own) :] or ["echo"]
        try:
            items = shlex.split(stdin or "", posix=True)
        except ValueError as err:
            return f"xargs: {err}\n", 1
        if "r" in flags and not items:
            return "", 0
        outputs, code = [], 0
        if "I" in values:
            marker = values["I"]
            lines = [line for line in (stdin or "").splitlines() if line.strip()]
            batches = [[arg.replace(marker, line.strip()) for arg in command] for line in lines]
        else:
            size = int(values.get("n") or values.get("L") or 0) or max(len(items), 1)
            groups = [items[k : k + size] for k in range(0, len(items), size)] or [[]]
            batches = [[*command, *group] for group in groups]
        for argv in batches:
            text, status = self.run_argv(argv, None)
            outputs.append(text)
            if status:
                code = 123
        return "".join(outputs), code


def _until_command(args: list[str]) -> list[str]:
    """xargs's own options: everything before the first word that is not an option (or its value)."""
    out: list[str] = []
    items = iter(args)
    for arg in items:
        if not arg.startswith("-"):
            return out
        out.append(arg)
        if arg in ("-n", "-I", "-L", "-d"):
            out.append(next(items, ""))
    return out


def _find_program(args: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, list[str]]]]:
    tests: list[tuple[str, str]] = []
    actions: list[tuple[str, list[str]]] = []
    items = iter(args)
    valued = {"-name", "-iname", "-path", "-type", "-maxdepth", "-mindepth", "-size", "-perm", "-user"}
    for arg in items:
        if arg in valued:
            value = next(items, None)
            if value is None:
                raise ValueError(f"missing argument to `{arg}'")
            tests.append((arg, value))
        elif arg == "-empty":
            tests.append((arg, ""))
        elif arg in ("-print", "-delete"):
            actions.append((arg[1:], []))
        elif arg == "-exec":
            argv: list[str] = []
            for word in items:
                if word in (";", "\\;"):
                    actions.append(("exec", argv))
                    break
                if word == "+" and argv and argv[-1] == "{}":
                    actions.append(("exec_batch", argv))
                    break
                argv.append(word)
            else:
                raise ValueError("missing argument to `-exec'")
        else:
            raise ValueError(f"unknown predicate `{arg}'")
    return tests, actions or [("print", [])]


def _size_matches(actual: int, spec: str) -> bool:
    unit = spec[-1] if spec[-1:].isalpha() else "b"
    number = spec.lstrip("+-").rstrip("ckMGb") or "0"
    scale = {"c": 1, "k": 1024, "M": 1024**2, "G": 1024**3, "b": 512}[unit] if unit in "ckMGb" else 1
    threshold = int(parse_size(number)) * scale
    rounded = -(-actual // scale) * scale  # find rounds sizes up to whole units
    if spec.startswith("+"):
        return rounded > threshold
    if spec.startswith("-"):
        return rounded < threshold
    return rounded == threshold


__all__ = ["FindCommands"]
