"""The shell's file commands: reading (cat, head, tail, grep, wc, sort), changing (rm, truncate, sed,
echo, touch, mkdir) and navigating (ls, find, pwd, cd) the simulated filesystem."""

from __future__ import annotations

from hadron.tasks.agentic.envs import shell_sed
from hadron.tasks.agentic.envs.machine import Machine, human, parse_size
from hadron.tasks.agentic.envs.patterns import Budget, PatternTimeout
from hadron.tasks.agentic.envs.shell_args import split_options, take_repeated
from hadron.tasks.agentic.envs.shell_awk import Awk, AwkError

Result = tuple[str, int]


class FileCommands:
    machine: Machine
    budget: Budget
    """The pattern-matching time left to the command being run (the shell sets a fresh one per command)."""

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
        scripts, args = take_repeated(args, "-e")
        flags, _, operands = split_options(args)
        scripts = scripts or ([operands.pop(0)] if operands else [])
        try:
            commands = shell_sed.parse(
                "\n".join(scripts), extended=bool(flags & {"E", "r"}), budget=self.budget
            )
        except shell_sed.SedError as err:
            return f"sed: -e expression #1, char 0: {err}\n", 1
        found, errors = self._read("sed", operands, stdin)
        out = ""
        try:
            if "i" in flags:
                for label, text in found:
                    self.machine.write(
                        self.machine.path(label), shell_sed.run(commands, text, quiet="n" in flags)
                    )
            else:
                text = "".join(_line_end(text) for _, text in found)
                out = shell_sed.run(commands, text, quiet="n" in flags)
        except PatternTimeout as err:
            return f"sed: {err}\n", 4
        return out + errors, 2 if errors else 0

    def awk(self, args: list[str], stdin: str | None) -> Result:
        assignments, args = take_repeated(args, "-v")
        _, values, operands = split_options(args, valued="F")
        if not operands:
            return "usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n", 2
        program, files = operands[0], operands[1:]
        assigned = {name: value for name, _, value in (item.partition("=") for item in assignments)}
        try:
            awk = Awk(program, values.get("F"), self.budget, assigned)
        except AwkError as err:
            return f"awk: {err}\n", 2
        found, errors = self._read("awk", files, stdin)
        try:
            out = awk.run("".join(_line_end(text) for _, text in found))
        except (AwkError, PatternTimeout) as err:
            return f"awk: {err}\n", 2
        for name, text in awk.files.items():
            self.machine.write(self.machine.path(name), text)
        return out + errors, 2 if errors else 0

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
        mode = "-" + permissions(entry.mode)
        return f"{mode} 1 {entry.owner} {entry.group or entry.owner} {size:>6} {entry.mtime} {label}\n"

    def pwd(self, args: list[str], stdin: str | None) -> Result:
        return self.machine.state.cwd + "\n", 0

    def cd(self, args: list[str], stdin: str | None) -> Result:
        path = self.machine.path(args[0] if args else "/root")
        if not self.machine.is_dir(path):
            return f"bash: cd: {args[0]}: No such file or directory\n", 1
        self.machine.state.cwd = path
        return "", 0


def permissions(mode: str) -> str:
    """``644`` -> ``rw-r--r--``."""
    bits = int(mode, 8)
    return "".join(letter if bits & (1 << (8 - index)) else "-" for index, letter in enumerate("rwxrwxrwx"))


def _line_end(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


__all__ = ["FileCommands"]
