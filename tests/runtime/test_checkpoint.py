"""The journal after a crash at awkward moments: nothing lost, nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

from hadron.data.sinks import SinkConfig, open_sink
from hadron.llm.accounting import Tally
from hadron.runtime.checkpoint import DoneSet, Journal
from hadron.runtime.records import ErrorRecord, Outcome, RejectRecord

from .conftest import read_jsonl, read_rows


def journal(run: Path, shard_rows: int = 100, fmt: str = "jsonl") -> Journal:
    config = SinkConfig(format=fmt, shard_rows=shard_rows)  # type: ignore[arg-type]
    return Journal(run, open_sink(config, run), shard_rows)


def ok(src: str, *children: str) -> Outcome:
    ids = children or (src,)
    return Outcome(src, rows=[{"id": i, "text": f"t-{i}"} for i in ids])


def failed(src: str) -> Outcome:
    return Outcome(src, errors=[ErrorRecord(id=src, source_id=src, step="g", error_type="Timeout",
                                            message="slow")])


def test_done_set() -> None:
    done = DoneSet()
    done.add("a")
    assert "a" in done and "b" not in done and 1 not in done and len(done) == 1


def test_torn_tail_is_cut_and_the_row_redone(tmp_path: Path) -> None:
    first = journal(tmp_path)
    first.load(rebuild=False)
    for name in ("a", "b", "c"):
        first.record(ok(name))
    first.flush()  # then SIGKILL: no close
    rows = tmp_path / "checkpoint" / "part-00000.rows.jsonl"
    done = tmp_path / "checkpoint" / "part-00000.done.jsonl"
    with open(rows, "ab") as handle:
        handle.write(b'{"id": "d", "text": "t-d"}\n{"id": "e", "te')  # rows of unfinished sources
    with open(done, "ab") as handle:
        handle.write(b'{"src": "d", "n": 1, "en')  # a torn done line

    second = journal(tmp_path)
    state = second.load(rebuild=True)
    assert "c" in state.done and "d" not in state.done and state.rows_out == 3
    assert len(rows.read_text().splitlines()) == 3 and done.read_bytes().endswith(b"}\n")
    second.record(ok("d"))
    second.close()
    assert [r["id"] for r in read_rows(tmp_path)] == ["a", "b", "c", "d"]


def test_shards_publish_when_full_and_resume_counts_them(tmp_path: Path) -> None:
    first = journal(tmp_path, shard_rows=2)
    first.load(rebuild=False)
    for name in "abcde":
        first.record(ok(name))
    first.flush()  # killed with "e" in the open shard
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["part-00000.jsonl", "part-00001.jsonl"]
    second = journal(tmp_path, shard_rows=2)
    state = second.load(rebuild=True)
    assert [s.rows for s in state.shards] == [2, 2] and second.index == 2
    assert all(x in state.done for x in "abcde")
    second.record(ok("f"))
    second.close()
    assert [r["id"] for r in read_rows(tmp_path)] == list("abcdef")


def test_fan_out_rows_of_one_source_stay_together(tmp_path: Path) -> None:
    j = journal(tmp_path, shard_rows=2)
    j.load(rebuild=False)
    j.record(ok("x", "x/0", "x/1", "x/2"))
    j.record(ok("y"))
    j.close()
    assert [s.rows for s in j.state.shards] == [3, 1]


def test_crash_after_meta_before_publish_resumes_the_shard(tmp_path: Path) -> None:
    first = journal(tmp_path)
    first.load(rebuild=False)
    first.record(ok("a"))
    first.flush()
    (tmp_path / "checkpoint" / "part-00000.meta.json").write_text('{"name": "stale", "rows": 9, "bytes": 1}')
    second = journal(tmp_path)
    state = second.load(rebuild=True)
    assert state.shards == [] and "a" in state.done and second.index == 0
    second.record(ok("b"))
    second.close()
    assert [r["id"] for r in read_rows(tmp_path)] == ["a", "b"]
    assert [(s.name, s.rows) for s in second.state.shards] == [("part-00000.jsonl", 2)]


def test_crash_after_parquet_publish_drops_the_leftover_journal(tmp_path: Path) -> None:
    first = journal(tmp_path, fmt="parquet")
    first.load(rebuild=False)
    first.record(ok("a"))
    first.close()
    leftover = tmp_path / "checkpoint" / "part-00000.rows.jsonl"
    leftover.write_text('{"id": "a", "text": "t-a"}\n')  # as if killed before the unlink
    second = journal(tmp_path, fmt="parquet")
    state = second.load(rebuild=True)
    assert not leftover.exists() and second.index == 1 and [s.rows for s in state.shards] == [1]
    second.record(ok("b"))
    second.close()
    assert [r["id"] for r in read_rows(tmp_path)] == ["a", "b"]


def test_an_older_unpublished_shard_is_published_on_load(tmp_path: Path) -> None:
    first = journal(tmp_path)
    first.load(rebuild=False)
    first.record(ok("a"))
    first.flush()
    (tmp_path / "checkpoint" / "part-00001.done.jsonl").write_text("")  # a newer, empty journal
    second = journal(tmp_path)
    second.load(rebuild=False)
    assert (tmp_path / "data" / "part-00000.jsonl").exists() and second.index == 1


def test_rebuild_after_a_crash_makes_records_match_the_journal(tmp_path: Path) -> None:
    first = journal(tmp_path)
    first.load(rebuild=False)
    first.record(failed("a"))
    first.record(Outcome("b", rejects=[RejectRecord(id="b", source_id="b", step="f", reason="dup")]))
    first.record_input_error(ErrorRecord(id="p.jsonl:7", source_id="p.jsonl:7", step="source",
                                         error_type="InputError", message="p.jsonl:7: bad", line=7))
    first.flush()
    with open(tmp_path / "errors.jsonl", "a") as handle:  # records of a row whose done line was lost
        handle.write(json.dumps({"id": "z", "source_id": "z", "step": "g"}) + "\n" + '{"id": "tor')
    with open(tmp_path / "rejects.jsonl", "a") as handle:
        handle.write(json.dumps({"id": "z", "reason": "dup"}) + "\n")
    second = journal(tmp_path)
    state = second.load(rebuild=True)
    assert sorted(e["id"] for e in read_jsonl(tmp_path / "errors.jsonl")) == ["a", "p.jsonl:7"]
    assert [r["id"] for r in read_jsonl(tmp_path / "rejects.jsonl")] == ["b"]
    assert state.errors == 1 and state.rejected == {"dup": 1} and state.input_errors == {"p.jsonl:7"}
    assert second.retry_targets() == {"a": {"a"}}
    second.record(ok("a"))  # a retry that worked
    second.rebuild(rejects=False)
    assert [e["id"] for e in read_jsonl(tmp_path / "errors.jsonl")] == ["p.jsonl:7"]
    assert second.state.errors == 0


def test_rows_written_before_a_new_shard_has_a_done_line_are_dropped(tmp_path: Path) -> None:
    first = journal(tmp_path, shard_rows=1)
    first.load(rebuild=False)
    first.record(ok("a"))  # publishes shard 0
    (tmp_path / "checkpoint" / "part-00001.rows.jsonl").write_text('{"id": "b", "text": "t-b"}\n')
    second = journal(tmp_path, shard_rows=1)
    state = second.load(rebuild=True)
    assert "b" not in state.done and second.index == 1
    second.record(ok("b"))
    second.close()
    assert [r["id"] for r in read_rows(tmp_path)] == ["a", "b"]


def test_written_rows_after_a_crash_are_the_published_and_counted_rows(tmp_path: Path) -> None:
    first = journal(tmp_path, shard_rows=2)
    first.load(rebuild=False)
    for name in "abc":
        first.record(ok(name))
    first.flush()  # killed with "c" in the open shard, and rows of an unfinished source after it
    with open(tmp_path / "checkpoint" / "part-00001.rows.jsonl", "ab") as handle:
        handle.write(b'{"id": "d", "text": "t-d"}\n')
    second = journal(tmp_path, shard_rows=2)
    second.load(rebuild=True)
    assert [r["id"] for r in second.written_rows()] == ["a", "b", "c"]
    assert [r["id"] for r in second.written_rows()] == ["a", "b", "c"]  # each call reads afresh


def test_written_rows_of_parquet_shards_decode_json_columns(tmp_path: Path) -> None:
    first = journal(tmp_path, fmt="parquet")
    first.load(rebuild=False)
    first.record(Outcome("a", rows=[{"id": "a", "text": "x", "n": 1, "m": [{"role": "user"}]}]))
    first.record(Outcome("b", rows=[{"id": "b", "text": "y", "n": "two", "m": [{"role": "user"}]}]))
    first.close()
    assert first.state.shards[0].json_columns == ["n"]
    second = journal(tmp_path, fmt="parquet")
    second.load(rebuild=False)
    assert list(second.written_rows()) == [{"id": "a", "text": "x", "n": 1, "m": [{"role": "user"}]},
                                           {"id": "b", "text": "y", "n": "two", "m": [{"role": "user"}]}]


def test_usage_is_journaled_with_its_row_and_the_latest_line_of_a_source_counts(tmp_path: Path) -> None:
    """stats.json's model totals come from here: a session killed before writing them loses nothing it
    journaled, and a ``--retry-errors`` line replaces the failed one (its calls replayed or redone)."""
    first = journal(tmp_path)
    first.load(rebuild=False)
    first.record(Outcome("a", rows=[{"id": "a"}], usage={"judge": Tally(calls=3, prompt_tokens=30)}))
    first.record(Outcome("b", errors=failed("b").errors, usage={"judge": Tally(calls=2, errors=1)}))
    first.record(Outcome("c", rejects=[RejectRecord(id="c", source_id="c", step="f", reason="dup")],
                         usage={"author": Tally(calls=1, cost_usd=0.5)}))
    first.flush()  # then SIGKILL: no close, no stats

    second = journal(tmp_path)
    state = second.load(rebuild=True)
    assert state.models() == {"judge": Tally(calls=5, errors=1, prompt_tokens=30),
                              "author": Tally(calls=1, cost_usd=0.5)}
    second.record(Outcome("b", rows=[{"id": "b"}], usage={"judge": Tally(calls=2, prompt_tokens=20)}))
    second.record_unrouted({"probe": Tally(calls=1)})
    second.close()

    third = journal(tmp_path).load(rebuild=False)
    assert third.models() == {"judge": Tally(calls=5, prompt_tokens=50),
                              "author": Tally(calls=1, cost_usd=0.5), "probe": Tally(calls=1)}
    assert "b" in third.done and len(third.done) == 3  # the line for no row is no source
