"""Resume state: which source rows are finished, and the journal that records them as they finish.

Per shard ``N`` the run directory holds (under ``RUN/checkpoint/``):

- ``part-N.rows.jsonl``: output rows of the open shard, appended as rows finish;
- ``part-N.done.jsonl``: one line per finished source row, ``{"src", "n", "end", "errors"?,
  "rejects"?, "u"?}``; ``end`` is the size of the rows journal once that row's outputs were written;
  ``u`` is what its model calls cost, by role (``Tally`` fields, zeros left out). A session also ends
  with a line without ``src`` holding the calls it made for no row, if any;
- ``part-N.meta.json``: the shard's ``ShardInfo``, written just before the shard is published.

Rows are flushed before the done line that counts them, so on restart the rows journal is cut back to
the last done line's ``end`` and a torn last line is dropped. A shard is published (rename or single
PUT) when full and at the end of a session; a published shard is complete, its done lines stay as the
record of which sources it holds. ``errors.jsonl`` and ``rejects.jsonl`` are appended for people to
read; after a crash (or a ``--retry-errors`` session) they are rebuilt from the done lines, where the
latest line of a source wins.

The run's model totals (``stats.json``'s ``models``) are the sum of the done lines' ``u``, the latest
line of a source winning, so a session killed before it could write its stats loses nothing it
journaled: a killed and resumed run reports the calls, tokens and cost of an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hadron.data.sinks import ShardInfo, ShardSink
from hadron.data.sinks.files import atomic_write_text
from hadron.errors import HadronError
from hadron.llm.accounting import Tally, add_roles
from hadron.redact import redact
from hadron.runtime.records import SOURCE_STEP, ErrorRecord, Outcome
from hadron.runtime.rundir import RunDir

_DONE = re.compile(r"part-(\d{5,})\.done\.jsonl$")
FLUSH_SECONDS = 0.05


def _key(row_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(row_id.encode(), digest_size=8).digest(), "big")


class DoneSet:
    """Finished source ids as 64-bit hashes: about 70 bytes per id, so a million fit in ~70 MB."""

    def __init__(self) -> None:
        self._keys: set[int] = set()

    def add(self, row_id: str) -> None:
        self._keys.add(_key(row_id))

    def __contains__(self, row_id: object) -> bool:
        return bool(self._keys) and isinstance(row_id, str) and _key(row_id) in self._keys

    def __len__(self) -> int:
        return len(self._keys)


@dataclass
class Progress:
    """What the run directory already holds (from the scan) and what this session added."""

    done: DoneSet = field(default_factory=DoneSet)
    shards: list[ShardInfo] = field(default_factory=list)
    rows_out: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    failed: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """Source id -> (shard, line, error count) of its latest done line, for sources that failed."""
    input_errors: set[str] = field(default_factory=set)
    usage: dict[str, Tally] = field(default_factory=dict)
    """Model calls by role of every source's latest done line that did not fail (and of calls made for
    no row)."""
    failed_usage: dict[str, dict[str, Tally]] = field(default_factory=dict)
    """The same for sources whose latest line failed: a ``--retry-errors`` line replaces them."""

    @property
    def errors(self) -> int:
        return sum(count for _, _, count in self.failed.values())

    def models(self) -> dict[str, Tally]:
        """The run's model tallies by role: what its recorded rows' calls cost (``stats.json``)."""
        total: dict[str, Tally] = dict(self.usage)
        for usage in self.failed_usage.values():
            add_roles(total, usage)
        return total

    def add_usage(self, src: str | None, usage: dict[str, Tally], *, failed: bool) -> None:
        if src is not None and self.failed_usage:
            self.failed_usage.pop(src, None)  # superseded by this later line
        if failed and src is not None:
            self.failed_usage[src] = usage
        elif usage:
            add_roles(self.usage, usage)


def _usage_json(usage: dict[str, Tally]) -> dict[str, dict[str, Any]]:
    return {role: {k: v for k, v in tally.to_dict().items() if v} for role, tally in usage.items()}


def _usage_of(line: dict[str, Any]) -> dict[str, Tally]:
    usage = line.get("u")
    if not isinstance(usage, dict):
        return {}
    return {str(role): Tally.from_dict(t) for role, t in usage.items() if isinstance(t, dict)}


def _dumps(value: Any) -> bytes:
    return redact(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()


class Journal:
    """Records outcomes of one session and publishes shards; ``load`` first, then ``record``/``close``."""

    def __init__(self, run_dir: RunDir | Path, sink: ShardSink, shard_rows: int) -> None:
        run_dir = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
        self.run_dir = run_dir
        self.dir = run_dir.checkpoint_dir
        self.sink = sink
        self.shard_rows = shard_rows
        self.errors_path = run_dir.errors_path
        self.rejects_path = run_dir.rejects_path
        self.state = Progress()
        self.index = 0
        self._lines = 0
        self._rows = 0
        self._end = 0
        self._files: dict[str, IO[bytes]] = {}
        self._pending: dict[str, list[bytes]] = {"done": [], "errors": [], "rejects": []}
        self._last_flush = time.monotonic()

    def path(self, index: int, kind: str) -> Path:
        return self.dir / f"part-{index:05d}.{kind}"

    # -- resume ------------------------------------------------------------------------------------

    def load(self, *, rebuild: bool) -> Progress:
        """Scan the checkpoint, repair a torn tail, publish a shard left unpublished by a crash.

        ``rebuild`` (after a crash) rewrites errors.jsonl and rejects.jsonl from the done lines.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        self._load_input_errors()
        indices = sorted(int(m.group(1)) for p in self.dir.iterdir() if (m := _DONE.match(p.name)))
        for index in indices:
            rows, lines, good_bytes, end = self._scan(index)
            if self.sink.exists(index):
                self._adopt_published(index, rows)
                continue
            self._truncate(self.path(index, "done.jsonl"), good_bytes)
            self._truncate(self.path(index, "rows.jsonl"), end, required=end > 0)
            self.index, self._rows, self._lines, self._end = index, rows, lines, end
            if index != indices[-1] and rows:
                self._close_shard()  # an older shard that a crash left unpublished
        # rows a crash wrote to the next shard's journal before its first done line: not counted, cut
        self._truncate(self.path(self.index, "rows.jsonl"), self._end, required=self._end > 0)
        if rebuild:
            self.rebuild(rejects=True)
        return self.state

    def _scan(self, index: int) -> tuple[int, int, int, int]:
        """Read one done journal into the state: (rows it counts, lines, bytes of whole lines, last end)."""
        rows = lines = good = end = 0
        with open(self.path(index, "done.jsonl"), "rb") as handle:
            for raw in handle:
                try:
                    line = json.loads(raw) if raw.endswith(b"\n") else None
                except ValueError:
                    line = None
                if not isinstance(line, dict):
                    break  # a torn last line: the row it stood for is redone
                self._note(line, index, lines)
                if "src" in line:  # not a session's calls for no row
                    self.state.done.add(line["src"])
                rows += line["n"]
                end = line["end"]
                good += len(raw)
                lines += 1
        return rows, lines, good, end

    def _note(self, line: dict[str, Any], index: int, position: int) -> None:
        """Count a done line; ``_scan`` also adds its source to the done set (``record`` need not: a
        session reads each source row once, so memory stays flat on a fresh run)."""
        src = line.get("src")
        self.state.rows_out += line["n"]
        for reject in line.get("rejects", ()):
            self.state.rejected[reject["reason"]] += 1
        errors = line.get("errors")
        self.state.add_usage(src, _usage_of(line), failed=bool(errors))
        if src is None:
            return
        if errors:
            self.state.failed[src] = (index, position, len(errors))
        else:
            self.state.failed.pop(src, None)

    def _adopt_published(self, index: int, rows: int) -> None:
        meta = self.path(index, "meta.json")
        if meta.exists():
            info = ShardInfo.model_validate_json(meta.read_text())
        else:
            info = ShardInfo(name=self.sink.shard_name(index), rows=rows, bytes=0)
        self.state.shards.append(info)
        self.path(index, "rows.jsonl").unlink(missing_ok=True)  # parquet: crash after publishing
        self.index = index + 1
        self._rows = self._end = self._lines = 0

    @staticmethod
    def _truncate(path: Path, size: int, *, required: bool = False) -> None:
        if not path.exists():
            if required:
                raise HadronError(f"{path}: missing, but the checkpoint counts {size} bytes of rows in it",
                                  hint="the run directory was changed by hand; start a new --out")
            return
        if path.stat().st_size > size:
            with open(path, "rb+") as handle:
                handle.truncate(size)
        elif path.stat().st_size < size:
            raise HadronError(f"{path}: shorter than the checkpoint says ({size} bytes)",
                              hint="the run directory was changed by hand; start a new --out")

    def _load_input_errors(self) -> None:
        for record in self.run_dir.records("errors"):
            if record.get("step") == SOURCE_STEP:
                self.state.input_errors.add(str(record.get("id")))

    def written_rows(self) -> Iterator[dict[str, Any]]:
        """The rows earlier sessions wrote, after ``load``: the published shards, then the open shard's
        journal (only its counted part: ``load`` cut the rest). Read lazily, once per call."""
        for info in list(self.state.shards):
            yield from self.sink.read(info)
        path = self.path(self.index, "rows.jsonl")
        if self._end and path.exists():
            with open(path, "rb") as handle:
                left = self._end
                for raw in handle:
                    left -= len(raw)
                    if left < 0:
                        break
                    yield json.loads(raw)

    def retry_targets(self) -> dict[str, set[str]]:
        """Source id -> ids of its failed rows (itself, or fan-out children), from the latest lines."""
        targets: dict[str, set[str]] = {}
        for src, line in self._latest_failed_lines():
            targets[src] = {e["id"] for e in line["errors"]}
        return targets

    def _latest_failed_lines(self) -> Iterator[tuple[str, dict[str, Any]]]:
        wanted = {(index, position) for index, position, _ in self.state.failed.values()}
        if not wanted:
            return
        for index in sorted({index for index, _ in wanted}):
            with open(self.path(index, "done.jsonl"), "rb") as handle:
                for position, raw in enumerate(handle):
                    if (index, position) in wanted:
                        line = json.loads(raw)
                        yield line["src"], line

    def rebuild(self, *, rejects: bool) -> None:
        """Rewrite errors.jsonl (input errors + the latest failures) and optionally rejects.jsonl."""
        self.flush()

        def errors() -> Iterator[bytes]:
            kept = (r for r in self.run_dir.records("errors") if r.get("step") == SOURCE_STEP)
            yield from (_dumps(r) for r in kept)
            for _, line in self._latest_failed_lines():
                yield from (_dumps(e) for e in line["errors"])

        def all_rejects() -> Iterator[bytes]:
            for path in sorted(self.dir.glob("part-*.done.jsonl")):
                with open(path, "rb") as handle:
                    for raw in handle:
                        if b'"rejects"' in raw and raw.endswith(b"\n"):
                            yield from (_dumps(r) for r in json.loads(raw).get("rejects", ()))

        self._rewrite("errors", self.errors_path, errors())
        if rejects:
            self._rewrite("rejects", self.rejects_path, all_rejects())

    def _rewrite(self, name: str, path: Path, lines: Iterator[bytes]) -> None:
        """Stream ``lines`` into a temp file and swap it in (the open append handle is reopened later)."""
        handle = self._files.pop(name, None)
        if handle is not None:
            handle.close()
        tmp = path.with_name(f".{path.name}.rebuild")
        with open(tmp, "wb") as out:
            for line in lines:
                out.write(line)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    # -- recording ---------------------------------------------------------------------------------

    def _file(self, name: str) -> IO[bytes]:
        handle = self._files.get(name)
        if handle is None:
            paths = {"rows": self.path(self.index, "rows.jsonl"), "done": self.path(self.index, "done.jsonl"),
                     "errors": self.errors_path, "rejects": self.rejects_path}
            handle = self._files[name] = open(paths[name], "ab")  # noqa: SIM115 - kept open for the run
        return handle

    def record(self, outcome: Outcome) -> None:
        """Journal one finished source row; publishes the shard when it is full."""
        rows = self._file("rows") if outcome.rows else None
        for row in outcome.rows:
            data = _dumps(row)
            assert rows is not None
            rows.write(data)
            self._end += len(data)
        line: dict[str, Any] = {"src": outcome.source_id, "n": len(outcome.rows), "end": self._end}
        if outcome.usage:
            line["u"] = _usage_json(outcome.usage)
        if outcome.errors or outcome.rejects:
            if outcome.errors:
                line["errors"] = [e.model_dump(exclude_none=True) for e in outcome.errors]
                self._pending["errors"].extend(_dumps(e) for e in line["errors"])
            if outcome.rejects:
                line["rejects"] = [r.model_dump() for r in outcome.rejects]
                self._pending["rejects"].extend(_dumps(r) for r in line["rejects"])
            self._pending["done"].append(_dumps(line))
            self._note(line, self.index, self._lines)
        else:  # the common case, without a dict round trip through json
            src = json.dumps(outcome.source_id, ensure_ascii=False)
            usage = f',"u":{json.dumps(line["u"], separators=(",", ":"))}' if outcome.usage else ""
            self._pending["done"].append(f'{{"src":{src},"n":{line["n"]},"end":{self._end}{usage}}}\n'.encode())
            self.state.rows_out += line["n"]
            self.state.add_usage(outcome.source_id, outcome.usage, failed=False)
            if self.state.failed:
                self.state.failed.pop(outcome.source_id, None)
        self._file("done")
        self._lines += 1
        self._rows += len(outcome.rows)
        if self._rows >= self.shard_rows:
            self._close_shard()
        elif time.monotonic() - self._last_flush > FLUSH_SECONDS or len(self._pending["done"]) >= 512:
            self.flush()

    def record_unrouted(self, usage: dict[str, Tally]) -> None:
        """The calls a session made for no row (a line without ``src``), so the run's totals keep them."""
        if not usage:
            return
        line = {"n": 0, "end": self._end, "u": _usage_json(usage)}
        self._pending["done"].append(_dumps(line))
        self._file("done")
        self.state.add_usage(None, dict(usage), failed=False)
        self._lines += 1

    def record_input_error(self, record: ErrorRecord) -> bool:
        """A malformed source line; False when an earlier session already recorded it."""
        if record.id in self.state.input_errors:
            return False
        self.state.input_errors.add(record.id)
        self._pending["errors"].append(_dumps(record.model_dump(exclude_none=True)))
        return True

    def flush(self) -> None:
        """Rows first, then the done lines that count them, then the human-readable records."""
        if "rows" in self._files:
            self._files["rows"].flush()
        for name in ("done", "errors", "rejects"):
            pending = self._pending[name]
            if pending:
                handle = self._file(name)
                handle.write(b"".join(pending))
                handle.flush()
                pending.clear()
        self._last_flush = time.monotonic()

    def _close_shard(self) -> None:
        self.flush()
        for name in ("rows", "done"):
            handle = self._files.pop(name, None)
            if handle is not None:
                os.fsync(handle.fileno())
                handle.close()
        rows_path = self.path(self.index, "rows.jsonl")
        local, info = self.sink.encode(rows_path, self.index)
        atomic_write_text(self.path(self.index, "meta.json"), info.model_dump_json())
        self.sink.publish(local, self.index)
        rows_path.unlink(missing_ok=True)
        self.state.shards.append(info)
        self.index += 1
        self._rows = self._end = self._lines = 0

    def close(self) -> None:
        """End of a session (finished, interrupted or failed): publish the open shard if it has rows."""
        if self._rows:
            self._close_shard()
        self.flush()
        for handle in self._files.values():
            handle.close()
        self._files.clear()

