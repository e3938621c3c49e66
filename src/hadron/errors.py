"""Hadron's exception tree.

    HadronError
     ├── ConfigError        a config, spec or option is wrong (the user fixes it)
     ├── InputError         an input file is wrong at file:line
     │    ├── ConfigFileError  a config file holds a wrong value at file:line (also a ConfigError)
     │    └── DuplicateIdError an input id repeats an earlier row's id
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


class ConfigFileError(InputError, ConfigError):
    """A config file holds a value that does not validate: ``file:line: key: problem``.

    Both an ``InputError`` (it names the file and line) and a ``ConfigError`` (the user fixes a setting)."""


class DuplicateIdError(InputError):
    """An input row's id repeats an earlier row's: ``file:line`` of the repeat, ``first_line`` of the first.

    With ``on_duplicate_id: error`` (the default) the source raises one before any row runs, with
    ``count`` the number of repeats in the whole input; with ``keep-first`` each repeat is reported to
    the run, which records it as a reject (``duplicate_id``)."""

    def __init__(self, path: str, row_id: str, *, line: int, first_line: int, count: int | None = None,
                 hint: str | None = None) -> None:
        where = f"{path}:{first_line}"
        more = "" if count is None else f"; {count} repeated id{'s' if count != 1 else ''} in all"
        super().__init__(path, f"duplicate id {row_id!r} (first at {where}){more}", line=line, hint=hint)
        self.row_id = row_id
        self.first_line = first_line
        self.count = count
