"""Extraction rules, tool-call spelling per format, and failure behaviour of the exporter."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hadron.data.exports import Conversation, RowError
from hadron.data.exports import openai as openai_format
from hadron.data.exports import sharegpt as sharegpt_format
from hadron.data.exports import trl as trl_format
from hadron.errors import ConfigError, HadronError, InputError
from hadron.runtime.export import export_run
from hadron.tasks.autoreason.exports import cot_records, critic_records, dpo_records, sft_records

from .conftest import make_run


def by_id(rows: list[dict], row_id: str) -> dict[str, Any]:
    return copy.deepcopy(next(row for row in rows if row["id"] == row_id))


def text(messages: list[Any]) -> str:
    return "".join(message.content or "" for message in messages)


# --- DPO -------------------------------------------------------------------------------------------

def test_dpo_pair_never_has_chosen_equal_rejected(rows: list[dict]) -> None:
    for row in rows:
        for pair in dpo_records(row).records:
            assert text(pair.chosen).strip() != text(pair.rejected).strip()


def test_dpo_skips_and_counts_identical_texts(rows: list[dict]) -> None:
    row = by_id(rows, "sky-blue")
    first = row["trace"][0]
    first["b"]["text"] = first["incumbent"]["text"]           # B equals A exactly
    first["ab"]["text"] = "  " + first["b"]["text"] + "\n"    # AB equals B up to whitespace
    first["winner"] = "AB"
    extraction = dpo_records(row)
    assert all(pair.scores.pass_index != 1 for pair in extraction.records)
    assert extraction.skipped["identical_texts"] == 3          # AB-A, AB-B in pass 1; A-AB in pass 3


def test_dpo_uses_only_judged_passes(rows: list[dict]) -> None:
    extraction = dpo_records(by_id(rows, "haiku-rain"))
    assert [(p.scores.pass_index, p.scores.chosen_label, p.scores.rejected_label, p.best)
            for p in extraction.records] == [(2, "A", "AB", True), (2, "B", "AB", False)]
    assert extraction.skipped == {"void_pass": 1, "short_circuit_pass": 1, "loser_outscored_winner": 1}


def test_dpo_pairs_outside_the_winner_are_ordered_by_points_and_ties_skipped(rows: list[dict]) -> None:
    row = by_id(rows, "sky-blue")
    rest = [p for p in dpo_records(row).records if not p.best]
    assert [(p.scores.pass_index, p.scores.chosen_label, p.scores.rejected_label) for p in rest] == [
        (1, "AB", "A"), (2, "B", "A"), (3, "AB", "B"), (4, "B", "AB")]
    row["trace"][0]["borda"] = {"A": 6, "B": 8, "AB": 6}
    extraction = dpo_records(row)
    assert extraction.skipped["tied_scores"] == 1
    assert not any(p.scores.pass_index == 1 and not p.best for p in extraction.records)


def test_dpo_pair_carries_borda_scores_and_margin(rows: list[dict]) -> None:
    pair = [p for p in dpo_records(by_id(rows, "sky-blue")).records if p.best][1]
    assert pair.scores.borda == {"A": 4, "B": 8, "AB": 6}
    assert (pair.scores.chosen_label, pair.scores.rejected_label) == ("B", "AB")
    assert (pair.scores.chosen_score, pair.scores.rejected_score, pair.scores.margin) == (8, 6, 2)


def test_dpo_best_of_n_pairs_winning_sample_with_each_other(rows: list[dict]) -> None:
    pairs = dpo_records(by_id(rows, "nine-prime")).records
    assert [(p.scores.chosen_label, p.scores.rejected_label, p.scores.margin) for p in pairs if p.best] == [
        ("1", "0", 2), ("1", "2", 4)]


def test_dpo_winner_that_is_not_a_candidate_names_row_and_field(rows: list[dict]) -> None:
    row = by_id(rows, "sky-blue")
    row["trace"][1]["winner"] = "C"
    with pytest.raises(RowError, match=r"row 'sky-blue': trace\.1\.winner: no entry 'C'"):
        dpo_records(row)


# --- CoT and critic --------------------------------------------------------------------------------

def test_cot_takes_the_reasoning_of_the_role_that_wrote_the_final_text(rows: list[dict]) -> None:
    (record,) = cot_records(by_id(rows, "sky-blue")).records
    assert (record.role, record.pass_index, record.candidate) == ("synthesizer", 2, "AB")
    assert record.reasoning.startswith("Keep version 1's")
    (teacher,) = cot_records(by_id(rows, "haiku-rain")).records
    assert (teacher.role, teacher.pass_index) == ("teacher", 0)


def test_cot_falls_back_to_the_pass_record_when_the_reasoning_list_lacks_it(rows: list[dict]) -> None:
    row = by_id(rows, "sky-blue")
    row["final_source"] = {"candidate": "B", "pass": 1, "index": None}
    row["generation"] = row["trace"][0]["b"]["text"]
    row["reasoning"] = []
    (record,) = cot_records(row).records
    assert (record.role, record.reasoning) == ("author_b", row["trace"][0]["b"]["reasoning"])


def test_cot_skips_rows_without_reasoning(rows: list[dict]) -> None:
    assert cot_records(by_id(rows, "capital-fr")).skipped == {"no_reasoning": 1}


def test_critic_revision_is_the_pass_winner_or_else_b(rows: list[dict]) -> None:
    triples = critic_records(by_id(rows, "sky-blue")).records
    assert [(t.pass_index, t.revision_source, t.revision_won) for t in triples] == [
        (1, "B", True), (2, "AB", True), (3, "B", False), (4, "B", False)]
    assert triples[1].draft == by_id(rows, "sky-blue")["trace"][1]["incumbent"]["text"]
    haiku = critic_records(by_id(rows, "haiku-rain"))
    assert [(t.pass_index, t.revision_source) for t in haiku.records] == [(1, "B"), (2, "B")]
    assert haiku.skipped == {"short_circuit_pass": 1}


# --- conversations and tool calls ------------------------------------------------------------------

def tool_conversation(rows: list[dict]) -> Conversation:
    (conversation,) = sft_records(by_id(rows, "disk-full")).records
    return conversation


def test_trl_spells_arguments_as_objects_and_names_tool_results(rows: list[dict]) -> None:
    messages = trl_format.render_sft(tool_conversation(rows)).to_json_line()
    record = json.loads(messages)["messages"]
    call = record[2]["tool_calls"][0]
    assert call == {"type": "function",
                    "function": {"name": "list_dir", "arguments": {"path": "/var/log/app"}}}
    assert record[3] == {"role": "tool", "content": "app.log  4.0G\napp.log.1  0B\nrotate.conf  212B",
                         "name": "list_dir"}
    assert "tool_call_id" not in record[3]


def test_openai_spells_arguments_as_json_strings_with_ids(rows: list[dict]) -> None:
    record = json.loads(openai_format.render_sft(tool_conversation(rows)).to_json_line())
    calls = record["messages"][4]["tool_calls"]
    assert [call["id"] for call in calls] == ["call_2", "call_3"]
    assert calls[0]["function"]["arguments"] == '{"path": "/var/log/app/rotate.conf"}'
    assert record["messages"][5] == {"role": "tool", "content": "size 5G\nrotate 0", "tool_call_id": "call_2"}
    assert record["tools"][0]["function"]["name"] == "list_dir"
    assert "id" not in record


def test_sharegpt_uses_function_call_and_observation_turns(rows: list[dict]) -> None:
    record = json.loads(sharegpt_format.render_sft(tool_conversation(rows)).to_json_line())
    speakers = [turn["from"] for turn in record["conversations"]]
    assert speakers == ["system", "human", "function_call", "observation", "function_call", "observation",
                        "gpt"]
    single = json.loads(record["conversations"][2]["value"])
    assert single == {"name": "list_dir", "arguments": {"path": "/var/log/app"}}
    parallel = json.loads(record["conversations"][4]["value"])
    assert [call["arguments"]["path"] for call in parallel] == ["/var/log/app/rotate.conf", "/etc/fstab"]
    assert record["conversations"][5]["value"].count("</tool_response>") == 1
    assert [tool["name"] for tool in json.loads(record["tools"])] == ["list_dir", "read_file"]


def assistant_call(call_id: str, name: str = "list_dir") -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": '{"path": "/"}'}}]}


def result(call_id: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "x"}


ASK = {"role": "user", "content": "hi"}
DONE = {"role": "assistant", "content": "done"}


@pytest.mark.parametrize(("messages", "error"), [
    ([ASK, assistant_call("c1"), DONE], "have no result"),
    ([ASK, assistant_call("c1"), result("c9"), DONE], "unknown or already answered"),
    ([ASK, assistant_call("c1"), result("c1"), assistant_call("c1"), result("c1"), DONE],
     "duplicate tool call id"),
    ([ASK, assistant_call("c1", "rm_rf"), result("c1"), DONE], "undeclared tool"),
    ([ASK, DONE, {"role": "user", "content": "?"}], "end on an assistant answer"),
])
def test_conversation_must_be_trainable(rows: list[dict], messages: list[dict], error: str) -> None:
    tools = by_id(rows, "disk-full")["tools"]
    with pytest.raises(ValidationError, match=error):
        Conversation.model_validate({"row_id": "x", "messages": messages, "tools": tools})


def test_arguments_must_be_a_json_object() -> None:
    call = assistant_call("c1")
    call["tool_calls"][0]["function"]["arguments"] = "[1, 2]"
    with pytest.raises(ValidationError, match="valid dictionary"):
        Conversation.model_validate({"row_id": "x", "messages": [ASK, call, result("c1"), DONE]})


# --- the exporter ----------------------------------------------------------------------------------

def test_bad_row_names_file_line_row_and_field_and_writes_nothing(tmp_path: Path, rows: list[dict]) -> None:
    broken = by_id(rows, "disk-full")
    del broken["messages"][3]                                  # call_1 never answered
    run = make_run(tmp_path / "run", [by_id(rows, "sky-blue"), broken])
    with pytest.raises(InputError, match=r"part-00000\.jsonl:2: row 'disk-full': .*no result"):
        export_run(run, "all")
    assert list((run / "exports").iterdir()) == []


def test_render_failure_names_format_and_leaves_no_partial_files(tmp_path: Path, rows: list[dict]) -> None:
    # Two user turns in a row: a valid conversation for TRL and OpenAI, but ShareGPT must alternate.
    row = {"id": "double-ask", "messages": [
        {"role": "user", "content": "Hi."}, {"role": "user", "content": "Are you there?"},
        {"role": "assistant", "content": "Yes."}]}
    run = make_run(tmp_path / "run", [by_id(rows, "sky-blue"), row])
    with pytest.raises(HadronError, match=r"sft-sharegpt: .*part-00000\.jsonl:2: row 'double-ask': .*turn 2"):
        export_run(run, "all")
    assert list((run / "exports").iterdir()) == []
    assert export_run(run, "sft-trl")["sft-trl"].written == 2


def test_malformed_trace_field_is_reported_with_its_path(tmp_path: Path, rows: list[dict]) -> None:
    row = by_id(rows, "sky-blue")
    row["trace"][2]["borda"] = "eight"
    run = make_run(tmp_path / "run", [row])
    with pytest.raises(InputError, match=r"part-00000\.jsonl:1: row 'sky-blue': trace\.2\.borda"):
        export_run(run, "dpo-trl")


def test_invalid_json_line_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "run" / "data").mkdir(parents=True)
    (tmp_path / "run" / "data" / "part-00000.jsonl").write_text('{"id": "a"}\n{not json\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"part-00000\.jsonl:2: invalid JSON"):
        export_run(tmp_path / "run")


def test_missing_run_dir_and_missing_shards_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such run directory"):
        export_run(tmp_path / "nope")
    (tmp_path / "empty" / "data").mkdir(parents=True)
    with pytest.raises(InputError, match="no data shards"):
        export_run(tmp_path / "empty")


def test_unknown_format_lists_the_valid_ones(run_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown export format 'sft-alpaca'.*sft-trl.*all"):
        export_run(run_dir, ["sft-trl", "sft-alpaca"])


def test_comma_separated_formats(run_dir: Path, tmp_path: Path) -> None:
    stats = export_run(run_dir, "dpo-trl, cot", tmp_path / "out")
    assert list(stats) == ["dpo-trl", "cot"]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "README.md", "cot.jsonl", "dpo.trl.jsonl"]


def test_parquet_shards_export_like_jsonl(tmp_path: Path, rows: list[dict], run_dir: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = tmp_path / "pq" / "data"
    data.mkdir(parents=True)
    pq.write_table(pa.Table.from_struct_array(pa.array(rows[:2])), data / "part-00000.parquet")
    pq.write_table(pa.Table.from_struct_array(pa.array(rows[2:])), data / "part-00001.parquet")
    from_parquet = export_run(tmp_path / "pq", "all")
    from_jsonl = export_run(run_dir, "all")
    for name, stats in from_jsonl.items():
        assert from_parquet[name].path.read_text() == stats.path.read_text(), name
