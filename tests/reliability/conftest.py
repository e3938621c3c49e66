"""Shared pieces of the reliability suite: a 30% fault mix, scripted answers, pipelines in YAML, and the
server-side accounting the client's numbers are checked against.

Every answer embeds a digest of the request body that produced it (``text <digest>``), so a cached or
written answer names the exact request it came from: that is how the crash test proves that no answered
call is made twice, and how the token counts are recomputed from what the server saw.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hadron.core import canonical_json, stable_hash
from hadron.testing import RecordedRequest
from hadron.testing.answers import digest

FAULTS: dict[str, float] = {
    "rate_limit": 0.05, "rate_limit_bare": 0.03, "unavailable": 0.04, "server_error": 0.04, "hang": 0.03,
    "reset": 0.03, "truncated": 0.03, "malformed": 0.03, "empty_choices": 0.02,
}
"""Every fault kind the server has, 30% of requests in all."""

SERVER_OPTIONS: dict[str, Any] = {"latency_s": (0.005, 0.02), "retry_after_s": 0.01, "hang_s": 3.0}
"""Small latencies keep the suite fast on 2 cores; a hang outlives the client's 1 s timeout."""

JUDGE_ORDERS = ("X1, X2, X3", "X2, X3, X1", "X3, X1, X2", "X1, X3, X2")
_REF = re.compile(r"\b(?:text|ref) ([0-9a-f]{12})\b")
HADRON = str(Path(sys.executable).parent / "hadron")


def body_digest(body: dict[str, Any]) -> str:
    return digest(canonical_json(body))


def is_judge(body: dict[str, Any]) -> bool:
    first: dict[str, Any] = next((m for m in body["messages"] if m.get("role") == "user"), {})
    return "responses to the same task from best to worst" in str(first.get("content", ""))


def is_reask(body: dict[str, Any]) -> bool:
    return any(m.get("role") == "assistant" for m in body["messages"])


def unreadable_first_ballot(body: dict[str, Any]) -> bool:
    """A quarter of first-ask ballots carry no RANKING line, so the re-ask path runs often."""
    return is_judge(body) and not is_reask(body) and stable_hash("unreadable", body_digest(body)) % 4 == 0


def scripted_reply(body: dict[str, Any]) -> str:
    """The server's answer: a pure function of the request body, naming the body's digest."""
    key = body_digest(body)
    if not is_judge(body):
        return f"text {key}"
    if unreadable_first_ballot(body):
        return f"They all look fine to me. ref {key}"
    return f"ref {key}\nRANKING: {JUDGE_ORDERS[stable_hash('order', key) % len(JUDGE_ORDERS)]}"


def model_entry(base_url: str, *, key_env: str | None = None) -> dict[str, Any]:
    """A model config for the fault server: short timeout, fast backoff, enough retries for 30% faults.

    Adaptive concurrency is off: it halves on every burst of 429s, which a random 8% 429 rate turns
    into one request at a time, and the suite would take minutes instead of seconds.
    """
    entry: dict[str, Any] = {"backend": "http", "base_url": base_url, "model": "fault-model", "name": "fault",
                             "timeout_s": 1.0, "max_retries": 25, "backoff_s": 0.005, "backoff_cap_s": 0.05,
                             "adaptive": False, "max_concurrency": 64}
    if key_env:
        entry["api_key_env"] = key_env
    return entry


def write_prompts(path: Path, count: int, *, start: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(start, start + count):
            handle.write(json.dumps({"id": f"r{i}", "prompt": f"question {i}: why is the sky blue?"}) + "\n")
    return path


def write_pipeline(path: Path, source: Path, step: dict[str, Any], *, shard_rows: int = 40,
                   max_in_flight: int = 64) -> Path:
    config = {"source": {"path": str(source), "id_column": "id"}, "steps": [step],
              "sink": {"format": "jsonl", "shard_rows": shard_rows}, "run": {"max_in_flight": max_in_flight}}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def autoreason_step(base_url: str, *, key_env: str | None = None, max_passes: int = 3) -> dict[str, Any]:
    return {"step": "autoreason", "name": "refine",
            "model": model_entry(base_url, key_env=key_env), "max_passes": max_passes,
            "judge": {"ballot": "text", "max_reasks": 2}}


def single_shot_step(base_url: str, *, key_env: str | None = None) -> dict[str, Any]:
    return {"step": "single_shot", "name": "answer",
            "model": model_entry(base_url, key_env=key_env)}


def read_rows(run_dir: Path) -> list[dict[str, Any]]:
    """Every row of the run's published shards; a torn shard fails the JSON parse, which is the point."""
    rows: list[dict[str, Any]] = []
    for shard in sorted((run_dir / "data").glob("part-*.jsonl")):
        rows.extend(json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines())
    return rows


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cached_digests(cache: Path) -> set[str]:
    """Digests of the request bodies whose answers the run's cache holds (read-only, like a bystander)."""
    if not cache.exists():
        return set()
    conn = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
    try:
        texts = [str(row[0]) for row in conn.execute("SELECT completion FROM completions")]
    finally:
        conn.close()
    return {m.group(1) for text in texts for m in _REF.finditer(json.loads(text)["text"])}


@dataclass
class ServerTally:
    """What the server saw: faults injected, requests answered, and the tokens it reported."""

    requests: int = 0
    faults: int = 0
    answered: int = 0
    late_repeats: int = 0
    """Answered requests whose body had been answered already: the client gave up on the first answer
    (its timeout fired while the answer was on its way, as on a machine too busy to read it in time)
    and retried. Each is a client retry the server saw as a normal request, not as a fault."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    judge_reasks: int = 0
    unreadable_ballots: int = 0


def server_tally(records: Iterable[RecordedRequest]) -> ServerTally:
    """Recompute the usage the server reported, from the bodies it received (``FaultServer._answer``).

    Tokens and ballots count each answered body once: the client keeps only the answer it received.
    """
    tally = ServerTally()
    answered: set[str] = set()
    for record in records:
        if not record.path.endswith("/chat/completions") or record.body is None:
            continue
        tally.requests += 1
        if record.fault is not None:
            tally.faults += 1
            continue
        tally.answered += 1
        key = body_digest(record.body)
        if key in answered:
            tally.late_repeats += 1
            continue
        answered.add(key)
        tally.prompt_tokens += len(canonical_json(record.body["messages"])) // 4
        tally.completion_tokens += len(scripted_reply(record.body).split())
        tally.judge_reasks += is_judge(record.body) and is_reask(record.body)
        tally.unreadable_ballots += unreadable_first_ballot(record.body)
    return tally


def usage_totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sums of the rows' own ``usage`` columns over every role."""
    totals: dict[str, int] = {"calls": 0, "retries": 0, "reasks": 0, "prompt_tokens": 0,
                              "completion_tokens": 0, "cache_hits": 0}
    for row in rows:
        for usage in row["usage"].values():
            for name in totals:
                totals[name] += int(usage[name])
    return totals


def stats_totals(run_dir: Path) -> dict[str, int]:
    """The run's ``stats.json`` model tallies, summed over roles (and over sessions, by the runtime)."""
    models = json.loads((run_dir / "stats.json").read_text())["models"]
    names = ("calls", "retries", "reasks", "prompt_tokens", "completion_tokens", "cache_hits", "errors")
    return {name: sum(int(t[name]) for t in models.values()) for name in names}


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "200", **extra}
    env.pop("FORCE_COLOR", None)
    return env
