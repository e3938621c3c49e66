"""What a source reads and how: one pydantic model shared by every format.

The format comes from ``type`` or, when that is left out, from the path's suffix (the suffix table is
the ``suffixes`` each format class declares in ``registry.FORMATS``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PositiveInt, model_validator

from hadron.data.sources.registry import FormatName, format_for_path

DuplicatePolicy = Literal["error", "keep-first"]
"""What a repeated input id does: stop before any call (``error``) or keep the first row of each id and
record the later ones in ``rejects.jsonl`` (``keep-first``)."""

HF_PREFIX = "hf:"
"""``hf:owner/name`` is shorthand for ``type: hf, path: owner/name`` (``hf://`` stays an fsspec URL)."""


class SourceConfig(BaseModel):
    """Where the prompts are and which rows of them to use."""

    model_config = ConfigDict(extra="forbid")

    type: FormatName | None = None
    """Format; None infers it from the suffix (.jsonl/.json/.jsonl.gz, .parquet, .csv/.tsv, .txt)."""
    path: str
    """Local path or fsspec URL (``s3://bucket/key``); for ``hf`` a hub name or a local dataset dir."""
    split: str | None = None
    """hf: the split to read (default: ``train``, or the only split there is)."""
    name: str | None = None
    """hf: the dataset configuration name."""
    prompt_column: str = "prompt"
    """Source column holding the prompt; it becomes the row's ``prompt``."""
    id_column: str | None = None
    """Source column holding a unique id, kept as the row's ``id``. None: the input's ``id`` column when it
    has one (decided by the first record or the schema), else ids are hashes of the prompt text."""
    system_column: str | None = None
    """Source column holding a per-row system prompt; it becomes the row's ``system`` (None: a column
    named ``system`` passes through as it is)."""
    on_duplicate_id: DuplicatePolicy = "error"
    """A repeated id: ``error`` stops before any call naming the first repeat; ``keep-first`` keeps the
    first row of each id and records the rest as rejects."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Extra renames, source column -> our column."""
    head: PositiveInt | None = Field(default=None, validation_alias=AliasChoices("head", "limit"))
    """Read only the first N usable rows (``limit`` in YAML too; ``--limit`` on the command line)."""
    sample: PositiveInt | None = None
    """Keep a seeded uniform sample of N rows (reservoir, streaming: holds N rows in memory)."""
    seed: int = 0
    dedup: bool = False
    """Drop rows whose prompt repeats an earlier one (whitespace-normalised)."""
    storage_options: dict[str, Any] = Field(default_factory=dict)
    """Passed to fsspec (e.g. ``endpoint_url``, ``key``, ``secret`` for s3)."""
    fix_text: bool = True
    """text format: turn literal ``\\n``/``\\t`` into characters and repair mojibake (ftfy)."""

    @model_validator(mode="after")
    def _resolve_format(self) -> SourceConfig:
        if self.type is None:
            if self.path.startswith(HF_PREFIX) and not self.path.startswith("hf://"):
                self.type, self.path = "hf", self.path[len(HF_PREFIX):]
            else:
                self.type = format_for_path(self.path)
        return self

    @property
    def format(self) -> FormatName:
        assert self.type is not None  # set by the validator
        return self.type
