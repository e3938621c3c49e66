"""Deterministic splits: train / holdout for the gate, and GEPA's validation set carved from train.

An explicit ``split`` tag always wins. Untagged records go by position in the file: the i-th untagged
record (0-based) is held out when ``i % stride == stride - 1``. Position, not a hash of the id, so the
split is identical on every run, holds out exactly ``n // stride`` untagged records, and appending new
records to the file never moves the old ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hadron.distill.gold import GoldRecord
from hadron.errors import ConfigError


@dataclass(frozen=True, slots=True)
class GoldSplit:
    """Who the optimizer may see (``train`` = ``trainset`` + ``valset``) and who only the gate sees."""

    trainset: list[GoldRecord]
    """Minibatches for GEPA's reflection steps."""
    valset: list[GoldRecord]
    """GEPA's Pareto/selection set; carved from train, never from the holdout."""
    holdout: list[GoldRecord]

    @property
    def train(self) -> list[GoldRecord]:
        """Every record the optimizer may see (no duplicates when validating on train itself)."""
        seen = {record.id for record in self.trainset}
        return self.trainset + [record for record in self.valset if record.id not in seen]


def split_gold(records: Sequence[GoldRecord], *, stride: int, val_stride: int) -> GoldSplit:
    """Split gold records; raises ConfigError when a part the run needs would be empty."""
    if stride < 2:
        raise ConfigError(f"split stride must be at least 2, got {stride}")
    train: list[GoldRecord] = []
    holdout: list[GoldRecord] = []
    untagged = 0
    for record in records:
        if record.split is not None:
            (holdout if record.split == "holdout" else train).append(record)
            continue
        (holdout if untagged % stride == stride - 1 else train).append(record)
        untagged += 1
    if not train:
        raise ConfigError(f"no train records after the split ({len(records)} gold records)",
                          hint="tag some records split=train or raise --stride")
    if not holdout:
        raise ConfigError(f"no holdout records after the split ({len(records)} gold records)",
                          hint="tag some records split=holdout or lower --stride")
    trainset, valset = carve_valset(train, val_stride)
    return GoldSplit(trainset=trainset, valset=valset, holdout=holdout)


def carve_valset(train: Sequence[GoldRecord], val_stride: int) -> tuple[list[GoldRecord], list[GoldRecord]]:
    """Every ``val_stride``-th train record validates; ``val_stride == 0`` validates on all of train."""
    if val_stride == 0:
        return list(train), list(train)
    if val_stride < 2:
        raise ConfigError(f"validation stride must be 0 or at least 2, got {val_stride}")
    trainset = [record for i, record in enumerate(train) if i % val_stride != val_stride - 1]
    valset = [record for i, record in enumerate(train) if i % val_stride == val_stride - 1]
    if not valset or not trainset:
        raise ConfigError(f"{len(train)} train records are too few to carve a validation set with "
                          f"stride {val_stride}", hint="pass --val-stride 0 to validate on train itself")
    return trainset, valset
