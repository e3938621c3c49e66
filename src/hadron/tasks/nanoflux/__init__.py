"""NanoFlux: adversarial synthesis of small, precise sets of hard multi-step questions (DESIGN.md §5).

Two models take turns as attacker (writes a question with reference answer and explanation) and
defender (answers it); a judge with a sandboxed Python interpreter checks both and gives a structured
verdict; the curator keeps novel, valid questions the defender failed inside a complexity band, up to
a budget per domain.

    from hadron.llm import ModelHub
    from hadron.tasks.nanoflux import NanoFlux, NanoFluxConfig

    async with ModelHub() as hub:
        result = await NanoFlux.from_hub(hub, NanoFluxConfig(domains=["math"], per_domain=20)).run()

As a pipeline step: ``step: nanoflux`` (``NanoFluxStep``); on the command line: ``hadron nanoflux``.

Modules: ``config`` (settings), ``roles`` and ``judge`` (the calls), ``sandbox`` and ``tools`` (what the
judge can run), ``embeddings`` and ``novelty`` (the novelty filter), ``curation`` (keep or reject),
``loop`` (rounds without the runtime), ``step`` (rounds as pipeline rows), ``output`` (row shapes).
"""

from __future__ import annotations

from hadron.tasks.nanoflux.config import BUILTIN_DOMAINS, NanoFluxConfig
from hadron.tasks.nanoflux.curation import Curator, Decision
from hadron.tasks.nanoflux.embeddings import (
    Embedder,
    HttpEmbedder,
    LocalMiniLM,
    make_embedder,
    register_embedder,
)
from hadron.tasks.nanoflux.loop import Collected, NanoFlux, Recorder
from hadron.tasks.nanoflux.novelty import NoveltyIndex
from hadron.tasks.nanoflux.records import REASONS, Attack, Verdict
from hadron.tasks.nanoflux.step import NanoFluxStep, RoundSource
from hadron.tasks.nanoflux.tools import PythonTool, Tool, ToolOutput, register_tool

__all__ = [
    "BUILTIN_DOMAINS",
    "REASONS",
    "Attack",
    "Collected",
    "Curator",
    "Decision",
    "Embedder",
    "HttpEmbedder",
    "LocalMiniLM",
    "NanoFlux",
    "NanoFluxConfig",
    "NanoFluxStep",
    "NoveltyIndex",
    "PythonTool",
    "Recorder",
    "RoundSource",
    "Tool",
    "ToolOutput",
    "Verdict",
    "make_embedder",
    "register_embedder",
    "register_tool",
]
