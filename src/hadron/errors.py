"""Hadron's exception tree.

    HadronError
     ├── ConfigError        a config, spec or option is wrong (the user fixes it)
     ├── InputError         an input file is wrong at file:line
 ├── FatalError         no later row can succeed: the run stops early
     └── LLMError           see hadron.llm.errors (transient vs rejected)

Every error carries a one-line message meant for a terminal; the CLI prints ``str(err)`` and exits
non-zero without a traceback. ``hint`` names the fix when we know it.
"""

from __future__ import annotations


class HadronError(Exception):
    """Base of every error Hadron raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(HadronError):
    """A config file, model spec or option is invalid."""


class FatalError(HadronError):
    """No later row can succeed (e.g. every model of a pool refuses the credentials): the runtime
    stops the run with this message instead of failing every remaining row one by one."""


class InputError(HadronError):
    """An input file is malformed; names the file and, when known, the line."""

    def __init__(self, path: str, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line
        self.reason = message
