"""The shell's file operations: cp, mv, chmod, chown and tar, over the simulated filesystem, printing and
exiting as GNU coreutils/tar do for the same operands (find and xargs live in ``shell_find``).

A tar archive is a file whose content lists its members as JSON (``HADRON-TAR`` on the first line): the
host is simulated, so the archive only has to round-trip through ``tar -t`` and ``tar -x``.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from typing import Any

from hadron.tasks.agentic.envs.machine import FileEntry
from hadron.tasks.agentic.envs.shell_args import split_options
from hadron.tasks.agentic.envs.shell_text import TextCommands

Result = tuple[str, int]
TAR_MAGIC = "HADRON-TAR 1\n"
_PERMS = {"r": 4, "w": 2, "x": 1}
_WHO = {"u": 6, "g": 3, "o": 0}


class FileOps(TextCommands):
    def ops_commands(self) -> dict[str, Callable[[list[str], str | None], Result]]:
        return {
            "cp": self.cp,
            "mv": self.mv,
            "chmod": self.chmod,
            "chown": self.chown,
            "tar": self.tar,
            "true": lambda args, stdin: ("", 0),
            "false": lambda args, stdin: ("", 1),
        }

    # -- copying and moving ------------------------------------------------------------------------

    def cp(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        recursive = bool(flags & {"r", "R", "a"})
        return self._transfer("cp", operands, recursive=recursive, keep=bool(flags & {"a", "p"}), move=False)

    def mv(self, args: list[str], stdin: str | None) -> Result:
        _, _, operands = split_options(args)
        return self._transfer("mv", operands, recursive=True, keep=True, move=True)

    def _transfer(self, name: str, operands: list[str], *, recursive: bool, keep: bool, move: bool) -> Result:
        machine = self.machine
        if len(operands) < 2:
            return f"{name}: missing destination file operand after '{operands[0] if operands else ''}'\n", 1
        *sources, target = operands
        destination = machine.path(target)
        into_dir = machine.is_dir(destination)
        if len(sources) > 1 and not into_dir:
            return f"{name}: target '{target}' is not a directory\n", 1
        errors = ""
        for source in sources:
            path = machine.path(source)
            final = posixpath.join(destination, posixpath.basename(path)) if into_dir else destination
            if not machine.exists(path):
                errors += f"{name}: cannot stat '{source}': No such file or directory\n"
            elif path == final:
                errors += f"{name}: '{source}' and '{self._relative(final)}' are the same file\n"
            elif machine.is_dir(path) and not recursive:
                errors += f"cp: -r not specified; omitting directory '{source}'\n"
            elif machine.is_dir(path) and (final + "/").startswith(path + "/"):
                errors += (
                    f"{name}: cannot {'move' if move else 'copy'} a directory, '{source}', into itself\n"
                )
            elif machine.is_dir(path):
                if machine.state.files.get(final) is not None:
                    errors += f"{name}: cannot overwrite non-directory '{target}' with directory '{source}'\n"
                    continue
                self._copy_tree(path, final, keep=keep)
                if move:
                    self._remove(path)
            elif machine.is_dir(final):
                errors += f"{name}: cannot overwrite directory '{self._relative(final)}' with non-directory\n"
            elif not machine.is_dir(posixpath.dirname(final)):
                kind = "create regular file" if name == "cp" else "move"
                errors += f"{name}: cannot {kind} '{target}': No such file or directory\n"
            else:
                entry = machine.state.files[path]
                machine.state.files[final] = (
                    entry.model_copy()
                    if keep
                    else FileEntry(content=entry.content, size=entry.size, mode=entry.mode)
                )
                if move:
                    del machine.state.files[path]
        return errors, 1 if errors else 0

    def _copy_tree(self, source: str, destination: str, *, keep: bool) -> None:
        state = self.machine.state
        prefix = source + "/"
        for directory in [source, *(d for d in state.dirs if d.startswith(prefix))]:
            new = destination + directory[len(source) :]
            if new not in state.dirs:
                state.dirs.append(new)
            if directory in state.dir_modes:
                state.dir_modes[new] = state.dir_modes[directory]
            if keep and directory in state.dir_owners:
                state.dir_owners[new] = state.dir_owners[directory]
        for path in [p for p in state.files if p.startswith(prefix)]:
            entry = state.files[path]
            state.files[destination + path[len(source) :]] = (
                entry.model_copy()
                if keep
                else FileEntry(content=entry.content, size=entry.size, mode=entry.mode)
            )

    def _remove(self, path: str) -> None:
        self.machine.remove(path)

    # -- permissions ---------------------------------------------------------------------------------

    def chmod(self, args: list[str], stdin: str | None) -> Result:
        def change(spec: str, item: str) -> Result | None:
            new = _apply_mode(spec, self._mode(item), self.machine.is_dir(item))
            if new is None:
                return f"chmod: invalid mode: '{spec}'\n", 1
            self._set_mode(item, new)
            return None

        return self._change_each("chmod", args, change)

    def chown(self, args: list[str], stdin: str | None) -> Result:
        def change(spec: str, item: str) -> Result | None:
            user, _, group = spec.partition(":")
            entry = self.machine.state.files.get(item)
            if entry is not None:
                old_group = entry.group or entry.owner
                entry.owner = user or entry.owner
                entry.group = group or old_group
            else:
                old_user, _, old_group = self.machine.state.dir_owners.get(item, "root:root").partition(":")
                self.machine.state.dir_owners[item] = f"{user or old_user}:{group or old_group}"
            return None

        return self._change_each("chown", args, change)

    def _change_each(self, name: str, args: list[str], change: Callable[[str, str], Result | None]) -> Result:
        """``chmod``/``chown [-R] SPEC TARGET...``: ``change(spec, path)`` on each target (and below it with
        ``-R``); a missing target is reported and skipped, a result from ``change`` stops the command."""
        recursive = "-R" in args
        operands = [a for a in args if a != "-R"]
        if len(operands) < 2:
            return f"{name}: missing operand after '{operands[0] if operands else name}'\n", 1
        spec, *targets = operands
        errors = ""
        for target in targets:
            path = self.machine.path(target)
            if not self.machine.exists(path):
                errors += f"{name}: cannot access '{target}': No such file or directory\n"
                continue
            for item in self._walk(path) if recursive else [path]:
                failed = change(spec, item)
                if failed is not None:
                    return failed
        return errors, 1 if errors else 0

    def _walk(self, path: str) -> list[str]:
        """``path`` and everything below it, parents before children, by name."""
        if not self.machine.is_dir(path):
            return [path]
        out = [path]
        for name in self.machine.children(path):
            out.extend(self._walk(posixpath.join(path, name)))
        return out

    def _mode(self, path: str) -> int:
        entry = self.machine.state.files.get(path)
        return int(entry.mode if entry else self.machine.state.dir_modes.get(path, "755"), 8)

    def _set_mode(self, path: str, mode: int) -> None:
        entry = self.machine.state.files.get(path)
        if entry is not None:
            entry.mode = f"{mode:03o}"
        else:
            self.machine.state.dir_modes[path] = f"{mode:03o}"

    # -- tar -----------------------------------------------------------------------------------------

    def tar(self, args: list[str], stdin: str | None) -> Result:
        if args and not args[0].startswith("-") and "=" not in args[0]:
            args = ["-" + args[0], *args[1:]]  # ``tar czf x.tgz dir``
        flags, values, operands = split_options(args, valued="fC")
        modes = flags & {"c", "x", "t"}
        if len(modes) != 1:
            return "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n", 2
        archive = values.get("f")
        if not archive:
            return "tar: Refusing to read archive contents from terminal (missing -f option?)\n", 2
        path = self.machine.path(archive)
        if "c" in flags:
            return self._tar_create(path, operands, verbose="v" in flags)
        entry = self.machine.state.files.get(path)
        if entry is None:
            return (
                f"tar: {archive}: Cannot open: No such file or directory\n"
                "tar: Error is not recoverable: exiting now\n"
            ), 2
        if not entry.content.startswith(TAR_MAGIC):
            return (
                "tar: This does not look like a tar archive\n"
                "tar: Exiting with failure status due to previous errors\n"
            ), 2
        members: list[dict[str, Any]] = json.loads(entry.content[len(TAR_MAGIC) :])
        if operands:
            members = [
                m
                for m in members
                if any(
                    m["name"].rstrip("/") == o.rstrip("/") or m["name"].startswith(o.rstrip("/") + "/")
                    for o in operands
                )
            ]
        if "t" in flags:
            return "".join(f"{m['name']}\n" for m in members), 0
        base = self.machine.path(values.get("C", "."))
        if not self.machine.is_dir(base):
            return (
                f"tar: {values.get('C')}: Cannot open: No such file or directory\n"
                "tar: Error is not recoverable: exiting now\n"
            ), 2
        for member in members:
            target = posixpath.normpath(posixpath.join(base, member["name"]))
            if member["name"].endswith("/"):
                if target not in self.machine.state.dirs:
                    self.machine.state.dirs.append(target)
                if member["mode"] != "755":
                    self.machine.state.dir_modes[target] = member["mode"]
            else:
                self.machine.write(target, member["content"])
                self.machine.state.files[target].mode = member["mode"]
        return "".join(f"{m['name']}\n" for m in members) if "v" in flags else "", 0

    def _tar_create(self, path: str, operands: list[str], *, verbose: bool) -> Result:
        if not operands:
            return "tar: Cowardly refusing to create an empty archive\n", 2
        members: list[dict[str, Any]] = []
        errors = ""
        for operand in operands:
            start = self.machine.path(operand)
            if not self.machine.exists(start):
                errors += f"tar: {operand}: Cannot stat: No such file or directory\n"
                continue
            if operand.startswith("/"):
                errors += "tar: Removing leading `/' from member names\n"
            label = operand.lstrip("/").rstrip("/") or "."
            for item in self._walk(start):
                if item == path:
                    continue
                name = label + item[len(start) :]
                if self.machine.is_dir(item):
                    members.append({"name": name + "/", "mode": self._mode_text(item), "content": ""})
                else:
                    entry = self.machine.state.files[item]
                    members.append({"name": name, "mode": entry.mode, "content": entry.content})
        self.machine.write(path, TAR_MAGIC + json.dumps(members, ensure_ascii=False))
        listing = "".join(f"{m['name']}\n" for m in members) if verbose else ""
        if errors:
            errors += "tar: Exiting with failure status due to previous errors\n"
        return listing + errors, 2 if errors else 0

    def _mode_text(self, path: str) -> str:
        return self.machine.state.dir_modes.get(path, "755")


def _apply_mode(spec: str, mode: int, is_dir: bool) -> int | None:
    if spec.isdigit():
        return int(spec, 8) if all(c in "01234567" for c in spec) else None
    for clause in spec.split(","):
        who = ""
        index = 0
        while index < len(clause) and clause[index] in "ugoa":
            who += clause[index]
            index += 1
        if index >= len(clause) or clause[index] not in "+-=":
            return None
        operator, perms = clause[index], clause[index + 1 :]
        bits = 0
        for perm in perms:
            if perm == "X":
                bits |= 1 if is_dir or mode & 0o111 else 0
            elif perm in _PERMS:
                bits |= _PERMS[perm]
            else:
                return None
        shifts = [_WHO[w] for w in (who.replace("a", "ugo") or "ugo")]
        mask = sum(bits << shift for shift in shifts)
        if not who:
            mask &= ~0o022 if operator == "+" else ~0  # umask 022 applies to +x/+w without a who
        if operator == "+":
            mode |= mask
        elif operator == "-":
            mode &= ~mask
        else:
            clear = sum(7 << shift for shift in shifts)
            mode = (mode & ~clear) | mask
    return mode


__all__ = ["TAR_MAGIC", "FileOps"]
