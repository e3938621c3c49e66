"""The shared row loop: head, seeded reservoir sample, exact-duplicate prompt removal."""

from __future__ import annotations

from pathlib import Path

from hadron.data.sources import SourceConfig, open_source
from hadron.data.sources.shape import reservoir


def numbered(tmp_path: Path, count: int) -> str:
    path = tmp_path / "p.txt"
    path.write_text("".join(f"prompt {n}\n" for n in range(count)))
    return str(path)


def test_head_stops_after_n_rows(tmp_path: Path) -> None:
    source = open_source(SourceConfig(path=numbered(tmp_path, 100), head=3))
    assert [row["prompt"] for row in source.rows()] == ["prompt 0", "prompt 1", "prompt 2"]
    assert source.stats.records == 3  # stopped reading


def test_sample_is_seeded_reproducible_and_in_source_order(tmp_path: Path) -> None:
    path = numbered(tmp_path, 200)

    def prompts(seed: int) -> list[str]:
        return [row["prompt"] for row in open_source(SourceConfig(path=path, sample=10, seed=seed)).rows()]

    first = prompts(seed=1)
    assert len(first) == 10 and len(set(first)) == 10
    assert first == prompts(seed=1)
    assert first != prompts(seed=2)
    assert first == sorted(first, key=lambda p: int(p.split()[1]))


def test_sample_larger_than_input_keeps_everything(tmp_path: Path) -> None:
    rows = list(open_source(SourceConfig(path=numbered(tmp_path, 5), sample=50)).rows())
    assert len(rows) == 5


def test_head_then_sample(tmp_path: Path) -> None:
    rows = list(open_source(SourceConfig(path=numbered(tmp_path, 100), head=20, sample=5)).rows())
    assert len(rows) == 5 and all(int(row["prompt"].split()[1]) < 20 for row in rows)


def test_reservoir_is_roughly_uniform() -> None:
    hits = [0] * 10
    for seed in range(400):
        for row in reservoir(({"n": n} for n in range(10)), 3, seed):
            hits[row["n"]] += 1
    assert all(80 < count < 160 for count in hits)  # expected 120 each


def test_dedup_drops_whitespace_variants_keeping_the_first(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("Hello  world\nother\n  Hello world \nHello\\tworld\nhello world\n")
    source = open_source(SourceConfig(path=str(path), dedup=True))
    prompts = [row["prompt"] for row in source.rows()]
    assert prompts == ["Hello  world", "other", "hello world"]  # case is kept distinct
    assert source.stats.duplicates == 2


def test_dedup_off_keeps_repeats_with_unique_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("same\nsame\n")
    ids = [row["id"] for row in open_source(str(path)).rows()]
    assert len(set(ids)) == 2


def test_a_conversation_column_stands_for_the_prompt(tmp_path: Path) -> None:
    """Rows may carry ``messages`` (OpenAI shape) instead of a prompt; they pass through as they are,
    and a malformed conversation is a skipped record naming what is wrong."""
    import json

    path = tmp_path / "chats.jsonl"
    turns = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
             {"role": "user", "content": "And now?"}]
    bad = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in [
        {"messages": turns, "system": "Be brief."}, {"messages": bad}, {"messages": turns}]))
    errors: list[str] = []
    rows = list(open_source(SourceConfig(path=str(path))).rows(on_error=lambda err: errors.append(str(err))))
    assert [row["messages"] for row in rows] == [turns, turns] and rows[0]["system"] == "Be brief."
    assert len({row["id"] for row in rows}) == 2 and "prompt" not in rows[0]
    assert len(errors) == 1 and "last message must be a non-empty user turn" in errors[0]
