"""A small shell over the simulated host: the commands an admin reaches for when troubleshooting.

It parses a command line the way bash would for the common cases (quotes, globs, ``|`` pipes, ``&&``,
``||`` and ``;`` lists, ``>``/``>>`` redirection, ``2>/dev/null``, a leading ``sudo``) and runs each
command against the ``Machine``, so state changes persist from call to call. An unknown command answers
``command not found`` with exit code 127, exactly as a real shell would; that is a result, not an error.
"""

from __future__ import annotations

import fnmatch
import shlex
from collections.abc import Callable

from hadron.tasks.agentic.envs.machine import Machine
from hadron.tasks.agentic.envs.shell_files import FileCommands
from hadron.tasks.agentic.envs.shell_system import SystemCommands

Result = tuple[str, int]
MAX_OUTPUT = 4000
_OPERATORS = {";", "&&", "||"}


class Shell(FileCommands, SystemCommands):
    """``run(line)`` → the text a terminal would show (with ``[exit code N]`` when not 0)."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.commands: dict[str, Callable[[list[str], str | None], Result]] = {
            "ls": self.ls,
            "cat": self.cat,
            "head": self.head,
            "tail": self.tail,
            "grep": self.grep,
            "wc": self.wc,
            "sort": self.sort,
            "rm": self.rm,
            "truncate": self.truncate,
            "sed": self.sed,
            "echo": self.echo,
            "find": self.find,
            "pwd": self.pwd,
            "cd": self.cd,
            "mkdir": self.mkdir,
            "touch": self.touch,
            **self.system_commands(),
        }

    def run(self, line: str) -> str:
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
            lexer.whitespace_split = True
            tokens = list(lexer)
        except ValueError as err:
            return f"bash: syntax error: {err}\n[exit code 2]"
        output, code = self._sequence(tokens)
        if len(output) > MAX_OUTPUT:
            output = (
                output[:MAX_OUTPUT] + f"\n... [output truncated, {len(output) - MAX_OUTPUT} more characters]"
            )
        output = output.rstrip("\n")
        return output + (f"\n[exit code {code}]" if output else f"[exit code {code}]") if code else output

    def _sequence(self, tokens: list[str]) -> Result:
        outputs: list[str] = []
        code, operator, current = 0, ";", []
        for token in [*tokens, ";"]:
            if token not in _OPERATORS:
                current.append(token)
                continue
            if current and (operator == ";" or (operator == "&&") == (code == 0)):
                text, code = self._pipeline(current)
                outputs.append(text)
            operator, current = token, []
        return "".join(part if part.endswith("\n") or not part else part + "\n" for part in outputs), code

    def _pipeline(self, tokens: list[str]) -> Result:
        stages: list[list[str]] = [[]]
        for token in tokens:
            if token == "|":
                stages.append([])
            else:
                stages[-1].append(token)
        data: str | None = None
        code = 0
        for stage in stages:
            if not stage:
                return "bash: syntax error near unexpected token `|'\n", 2
            data, code = self._command(stage, data)
        return data or "", code

    def _command(self, argv: list[str], stdin: str | None) -> Result:
        argv, target, append = self._redirection(argv)
        if argv and argv[0] == "sudo":
            argv = argv[1:]
        if not argv:
            return "", 0
        name, args = argv[0], [self._glob_arg(arg) for arg in argv[1:]]
        command = self.commands.get(name)
        if command is None:
            return f"bash: {name}: command not found\n", 127
        output, code = command([item for arg in args for item in arg], stdin)
        if target is None:
            return output, code
        if target != "/dev/null":
            path = self.machine.path(target)
            if self.machine.is_dir(path):
                return f"bash: {target}: Is a directory\n", 1
            if not self.machine.is_dir(path.rsplit("/", 1)[0] or "/"):
                return f"bash: {target}: No such file or directory\n", 1
            self.machine.write(path, output, append=append)
        return "", code

    @staticmethod
    def _redirection(argv: list[str]) -> tuple[list[str], str | None, bool]:
        kept: list[str] = []
        target: str | None = None
        append = False
        index = 0
        while index < len(argv):
            token = argv[index]
            if token in (">", ">>") and index + 1 < len(argv):
                destination = argv[index + 1]
                if kept and kept[-1] == "2":  # 2>/dev/null: errors discarded, stdout unchanged
                    kept.pop()
                else:
                    target, append = destination, token == ">>"
                index += 2
                continue
            kept.append(token)
            index += 1
        return kept, target, append

    def _glob_arg(self, arg: str) -> list[str]:
        if not any(char in arg for char in "*?[") or arg.startswith("-"):
            return [arg]
        pattern = self.machine.path(arg)
        parent = pattern.rsplit("/", 1)[0] or "/"
        candidates = [
            *self.machine.state.files,
            *self.machine.state.dirs,
            *(f"{parent.rstrip('/')}/{child}" for child in self.machine.children(parent)),
        ]
        matches = sorted(
            {
                path
                for path in candidates
                if fnmatch.fnmatchcase(path, pattern) and path.count("/") == pattern.count("/")
            }
        )
        if not matches:
            return [arg]
        return matches if arg.startswith("/") else [self._relative(m) for m in matches]


__all__ = ["MAX_OUTPUT", "Shell"]
