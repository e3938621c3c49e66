"""Plain text, one prompt per line: the layout of big prompt dumps such as General-Distillation-Prompts.

Those files escape a prompt's newlines as a literal ``\\n``, carry mojibake (``â†’`` for ``→``) from a
wrong decode upstream, and have blank lines. With ``fix_text`` (the default) escapes become characters,
ftfy repairs the encoding, and blank lines are skipped; line numbers stay those of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from hadron.data.sources.base import ErrorHandler, Record, Source
from hadron.data.sources.files import open_binary
from hadron.data.sources.jsonl import decode_line, describe_bad_line
from hadron.errors import InputError

if TYPE_CHECKING:
    from ftfy import TextFixerConfig

_ESCAPE = re.compile(r"\\(r\\n|\\|n|t|r)")
_UNESCAPED = {"r\\n": "\n", "\\": "\\", "n": "\n", "t": "\t", "r": "\n"}


class TextSource(Source):
    format = "text"
    suffixes = (".txt",)

    def records(self, report: ErrorHandler) -> Iterator[Record]:
        column, fix = self.config.prompt_column, self.config.fix_text
        with open_binary(self.path, self.config.storage_options) as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    line = decode_line(raw)
                except UnicodeDecodeError as err:
                    report(InputError(self.path, describe_bad_line(err), line=number))
                    continue
                prompt = repair(line) if fix else line
                if prompt.strip():
                    yield Record(number, {column: prompt.strip()})


def repair(line: str) -> str:
    """Literal escapes to characters (one pass, so ``\\\\n`` stays a backslash + n), then mojibake."""
    import ftfy

    unescaped = _ESCAPE.sub(lambda match: _UNESCAPED[match.group(1)], line) if "\\" in line else line
    if unescaped.isascii():  # mojibake needs non-ASCII characters; skipping ftfy here is 5x faster
        return unescaped
    return ftfy.fix_text(unescaped, config=_fixer())


@cache
def _fixer() -> TextFixerConfig:
    """Encoding repairs only: quotes, widths, ligatures and HTML entities stay as the author wrote them."""
    from ftfy import TextFixerConfig

    return TextFixerConfig(unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
                           fix_character_width=False, fix_line_breaks=False, normalization=None,
                           explain=False)
