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
from hadron.tasks.agentic.envs.patterns import Budget
from hadron.tasks.agentic.envs.shell_find import FindCommands
from hadron.tasks.agentic.envs.shell_system import SystemCommands

Result = tuple[str, int]
MAX_OUTPUT = 4000
_SEMICOLON = "\x1fsemicolon\x1f"
_LIST = "\x1flist\x1f"
"""The ``;`` that separates commands (a bare ``;`` token after lexing is a word)."""
_OPERATORS = {_LIST, "&&", "||"}


class Shell(FindCommands, SystemCommands):
    """``run(line)`` → the text a terminal would show (with ``[exit code N]`` when not 0)."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.budget = Budget()
        self.run_argv = self._command
        self.commands: dict[str, Callable[[list[str], str | None], Result]] = {
            "ls": self.ls,
            "cat": self.cat,
            "rm": self.rm,
            "truncate": self.truncate,
            "sed": self.sed,
            "awk": self.awk,
            "echo": self.echo,
            "pwd": self.pwd,
            "cd": self.cd,
            "mkdir": self.mkdir,
            "touch": self.touch,
            **self.text_commands(),
            **self.ops_commands(),
            **self.find_commands(),
            **self.system_commands(),
        }

    def execute(self, line: str) -> Result:
        """(what the terminal shows, the exit code) for one command line."""
        self.budget = Budget()  # one pattern-matching budget per command line
        try:
            # an escaped or quoted ; is a word (find -exec ... \;), not a list separator
            marked = _protect_quoted(line.replace("\\;", f" {_SEMICOLON} "))
            lexer = shlex.shlex(marked, posix=True, punctuation_chars="|&;<>")
            lexer.whitespace_split = True
            tokens = [";" if token == _SEMICOLON else token if token != ";" else _LIST for token in lexer]
        except ValueError as err:
            return f"bash: syntax error: {err}\n", 2
        return self._sequence(tokens)

    def run(self, line: str) -> str:
        output, code = self.execute(line)
        if len(output) > MAX_OUTPUT:
            output = (
                output[:MAX_OUTPUT] + f"\n... [output truncated, {len(output) - MAX_OUTPUT} more characters]"
            )
        output = output.rstrip("\n")
        return output + (f"\n[exit code {code}]" if output else f"[exit code {code}]") if code else output

    def _sequence(self, tokens: list[str]) -> Result:
        outputs: list[str] = []
        code, operator, current = 0, _LIST, []
        for token in [*tokens, _LIST]:
            if token not in _OPERATORS:
                current.append(token)
                continue
            if current and (operator == _LIST or (operator == "&&") == (code == 0)):
                text, code = self._pipeline(current)
                outputs.append(text)
            operator, current = token, []
        return "".join(outputs), code

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
        argv, target, append, source = self._redirection(argv)
        target = target.translate(_UNQUOTE) if target else target
        source = source.translate(_UNQUOTE) if source else source
        if source is not None:
            path = self.machine.path(source)
            if path not in self.machine.state.files:
                return f"bash: {source}: No such file or directory\n", 1
            stdin = self.machine.state.files[path].content
        if argv and argv[0] == "sudo":
            argv = argv[1:]
        if not argv:
            return "", 0
        name, args = argv[0].translate(_UNQUOTE), [self._glob_arg(arg) for arg in argv[1:]]
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
    def _redirection(argv: list[str]) -> tuple[list[str], str | None, bool, str | None]:
        """(the words left, stdout's file, append to it, stdin's file); stderr is not kept apart, so
        ``2>&1`` changes nothing and ``2>FILE`` discards nothing."""
        kept: list[str] = []
        target: str | None = None
        source: str | None = None
        append = False
        index = 0
        while index < len(argv):
            token = argv[index]
            if token == ">&" and kept and kept[-1] == "2" and index + 1 < len(argv):
                kept.pop()
                index += 2
                continue
            if token == "<" and index + 1 < len(argv):
                source = argv[index + 1]
                index += 2
                continue
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
        return kept, target, append, source

    def _glob_arg(self, arg: str) -> list[str]:
        if any(char in arg for char in _QUOTED.values()):
            return [arg.translate(_UNQUOTE)]
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


_QUOTED = {
    "*": "\x11",
    "?": "\x12",
    "[": "\x13",
    ";": "\x14",
    "|": "\x15",
    "&": "\x16",
    "<": "\x17",
    ">": "\x18",
}
"""Characters inside quotes stand in for themselves: no glob, no operator."""
_UNQUOTE = str.maketrans({v: k for k, v in _QUOTED.items()})


def _protect_quoted(line: str) -> str:
    """``line`` with the glob and operator characters inside quotes replaced by stand-ins (bash does not
    expand or split on them there); ``_glob_arg`` puts them back."""
    out = []
    quote = ""
    escaped = False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote and char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
        elif quote and char in _QUOTED:
            char = _QUOTED[char]
        out.append(char)
    return "".join(out)


__all__ = ["MAX_OUTPUT", "Shell"]
