"""Plain text in the General-Distillation-Prompts layout: escapes, mojibake, blank lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import InputError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "prompts_layout.txt"


def test_prompts_txt_layout_is_repaired() -> None:
    prompts = [row["prompt"] for row in open_source(str(FIXTURE)).rows()]
    assert len(prompts) == 6  # two blank lines skipped
    assert "Write a haiku about rain.\nThen explain its imagery." in prompts
    assert "Convert the arrow: A → B means A implies B. Explain." in prompts
    assert "Café menus list “specials” daily. Translate that sentence." in prompts
    assert "Use a tab here:\tand a literal backslash-n in code: print('a\\nb')" in prompts


def test_fix_text_off_keeps_lines_verbatim() -> None:
    prompts = [row["prompt"] for row in open_source(SourceConfig(path=str(FIXTURE), fix_text=False)).rows()]
    assert "Write a haiku about rain.\\nThen explain its imagery." in prompts
    assert any("â†’" in prompt for prompt in prompts)


def test_errors_keep_file_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(b"first\n\nthird \xff\xfe\nfourth\n")
    errors: list[InputError] = []
    rows = list(open_source(str(path)).rows(on_error=errors.append))
    assert [row["prompt"] for row in rows] == ["first", "fourth"]
    assert errors[0].line == 3 and "not UTF-8 (byte 0xff" in str(errors[0])


def test_only_blank_lines_is_empty_input(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("\n  \n\n")
    with pytest.raises(InputError, match="no rows"):
        list(open_source(str(path)).rows())


def test_text_has_no_id_column(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("hello\n")
    with pytest.raises(InputError, match="unknown column 'n'"):
        list(open_source(SourceConfig(path=str(path), id_column="n")).rows())


def test_the_shipped_example_reads_cleanly() -> None:
    example = Path(__file__).parents[3] / "examples" / "prompts.txt"
    prompts = [row["prompt"] for row in open_source(str(example)).rows()]
    assert len(prompts) == 8
    assert any("\n" in prompt for prompt in prompts) and any("→" in prompt for prompt in prompts)
