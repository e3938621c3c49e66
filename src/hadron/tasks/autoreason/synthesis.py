"""How candidate AB is written: one small protocol, two implementations, one dict to pick by name.

``merge`` (the paper's) shows the synthesizer the task and A and B as two unlabelled versions in a
seeded random order, so it runs after B. ``minimal_repair`` (the Hadron prototype's) repairs A from
the critique alone, so it runs in parallel with B. A user's own class satisfying ``Synthesizer`` can be
passed to ``refine`` instead of a name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from hadron.core import stable_hash
from hadron.errors import ConfigError
from hadron.llm.types import Completion
from hadron.tasks.autoreason.config import RoleConfig
from hadron.tasks.autoreason.records import SynthesisMode
from hadron.tasks.autoreason.roles import Ledger, RoleCall

if TYPE_CHECKING:
    from hadron.llm import ChatModel


@dataclass(frozen=True, slots=True)
class Drafts:
    """What a synthesizer may look at in one pass (``b`` is None when it runs beside author B)."""

    prompt: str
    a: str
    critique: str
    b: str | None
    row_id: str
    pass_index: int


class Synthesizer(Protocol):
    mode: ClassVar[SynthesisMode]
    needs_b: ClassVar[bool]
    """True: runs after author B and sees B; False: runs in parallel with B."""

    async def synthesize(self, drafts: Drafts, ledger: Ledger) -> Completion: ...


@dataclass(frozen=True)
class MergeSynthesizer:
    call: RoleCall
    mode: ClassVar[SynthesisMode] = "merge"
    needs_b: ClassVar[bool] = True

    async def synthesize(self, drafts: Drafts, ledger: Ledger) -> Completion:
        if drafts.b is None:
            raise ValueError("merge synthesis needs B")
        versions = [drafts.a, drafts.b]
        random.Random(stable_hash("merge-order", drafts.row_id, drafts.pass_index)).shuffle(versions)
        return await self.call(ledger, row_id=drafts.row_id, pass_index=drafts.pass_index,
                               prompt=drafts.prompt, versions=versions)


@dataclass(frozen=True)
class MinimalRepair:
    call: RoleCall
    mode: ClassVar[SynthesisMode] = "minimal_repair"
    needs_b: ClassVar[bool] = False

    async def synthesize(self, drafts: Drafts, ledger: Ledger) -> Completion:
        return await self.call(ledger, row_id=drafts.row_id, pass_index=drafts.pass_index,
                               prompt=drafts.prompt, response=drafts.a, critique=drafts.critique)


_TEMPLATES: dict[str, str] = {"merge": "synth_merge.j2", "minimal_repair": "synth_repair.j2"}
SYNTHESIZERS: dict[str, type[MergeSynthesizer] | type[MinimalRepair]] = {
    "merge": MergeSynthesizer,
    "minimal_repair": MinimalRepair,
}


def build_synthesizer(mode: str, model: ChatModel, config: RoleConfig) -> Synthesizer:
    """The synthesizer for a config's ``synthesis`` name."""
    try:
        cls = SYNTHESIZERS[mode]
    except KeyError:
        raise ConfigError(f"unknown synthesis {mode!r}; valid: {', '.join(SYNTHESIZERS)}") from None
    call = RoleCall.build("synthesizer", model, config, template=_TEMPLATES[mode], system_key=mode)
    return cls(call)


__all__ = ["SYNTHESIZERS", "Drafts", "MergeSynthesizer", "MinimalRepair", "Synthesizer", "build_synthesizer"]
