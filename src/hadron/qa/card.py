"""The dataset card: ``RUN/README.md`` with a Hugging Face Hub YAML header and what a user must know.

The header's ``configs`` point at the run's own files (``data/*.jsonl`` as ``default``, one config per
export folder), so ``load_dataset`` on the pushed repo reads them unchanged. A card we generated carries
a marker comment; a README without it was written by a person and is never overwritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from hadron.qa.fields import as_dict
from hadron.qa.rundir import RunDir
from hadron.qa.sections import num, pct
from hadron.qa.stats import RunSummary, summarize

MARKER = "<!-- hadron:card"
DEFAULT_LICENSE = "unknown"

AUTOREASON_REF = ("- SHL0MS. *Autoreason: Self-Refinement That Knows When to Stop.* "
                  "https://github.com/NousResearch/autoreason")
NANOFLUX_REF = """```bibtex
@misc{anantha2025nanoflux,
  title         = {NanoFlux: Adversarial Dual-LLM Evaluation and Distillation For Multi-Domain Reasoning},
  author        = {Anantha, Raviteja and Hor, Soheil and Antoniu, Teodor Nicola and Price, Layne C.},
  year          = {2025},
  eprint        = {2509.23252},
  archivePrefix = {arXiv}
}
```"""
GEPA_REF = """```bibtex
@misc{agrawal2025gepa,
  title         = {GEPA: Reflective Prompt Evolution Can Outperform Reinforcement Learning},
  author        = {Agrawal, Lakshya A. and others},
  year          = {2025},
  eprint        = {2507.19457},
  archivePrefix = {arXiv}
}
```"""


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    summary: str
    description: str
    task_categories: tuple[str, ...]
    tags: tuple[str, ...]
    citation: str | None
    limitations: tuple[str, ...] = ()
    preference: bool = False


_TOURNAMENT = ("The teacher writes a first answer (A). Each pass, a critic lists concrete problems in A, an "
               "author writes a revision B that addresses them, a synthesizer writes AB, and a panel of "
               "fresh judges ranks A, B and AB under neutral labels, each candidate shown in each position "
               "equally often across the panel; Borda points pick the winner, ties go to A. A row converges "
               "when A wins k passes in a row; a pass cap bounds cost.")
METHODS: dict[str, Method] = {
    "autoreason": Method(
        "AutoReason tournament refinement", "Answers refined by blind tournament (AutoReason).",
        _TOURNAMENT, ("text-generation",), ("autoreason", "refinement"), AUTOREASON_REF,
        ("Rows that hit the pass cap without converging are included; filter on `converged` if needed.",
         "The judges are models: agreement among them is not correctness, and a weak judge panel can "
         "keep a flawed draft.",
         "Judges that rank by display order carry no information about quality: see the position-bias "
         "line above (share of ballots whose first choice was the candidate shown first; 1/3 expected). "
         "The panel is counterbalanced, so such passes tie and keep the draft."), preference=True),
    "single_shot": Method("Single-shot baseline", "Teacher answers, one call per prompt (baseline).",
                          "Each prompt was answered once by the teacher, with no refinement.",
                          ("text-generation",), ("baseline",), AUTOREASON_REF),
    "best_of_n": Method("Best-of-n baseline", "Best of n teacher samples, picked by a judge panel.",
                        "The teacher sampled n answers; a panel of judges ranked them blind (Borda count) "
                        "and the best was kept.", ("text-generation",), ("best-of-n",), AUTOREASON_REF,
                        preference=True),
    "nanoflux": Method(
        "NanoFlux adversarial synthesis",
        "Hard multi-step questions from an attacker/defender game (NanoFlux).",
        "An attacker model writes multi-step questions with reference answers and explanations; a "
        "defender answers; a tool-augmented judge checks validity, correctness, reasoning quality and hops; "
        "an embedding novelty filter drops near-duplicates; curation keeps valid questions the defender "
        "struggled with inside a complexity band.", ("question-answering", "text-generation"),
        ("nanoflux", "reasoning"), NANOFLUX_REF,
        ("Reference answers were checked by a judge model with tools, not by people.",)),
    "agentic": Method(
        "Agentic trace distillation", "Tool-use conversations from executed environments.",
        "A teacher agent worked through scenarios by calling tools that a deterministic environment "
        "executed; a reviewer scored each episode against a rubric and sent weak ones back for refinement. "
        "Reviewer turns are not in the saved conversations.", ("text-generation",),
        ("agent", "tool-use", "function-calling"), None,
        ("Environments are simulations; tools marked `simulated` were answered by a model.",)),
    "distill": Method(
        "GEPA prompt distillation",
        "A student prompt distilled from an expensive workflow's verdicts (GEPA).",
        "Gold verdicts were split into train and holdout; GEPA evolved a student prompt on train and it was "
        "gated on holdout agreement.", ("text-classification",), ("gepa", "prompt-optimization"), GEPA_REF),
}
GENERIC = Method("Hadron pipeline", "Synthetic data made by a Hadron pipeline.",
                 "Rows were produced by the pipeline in `config.yaml`.", ("text-generation",), (), None)
COMMON_LIMITATIONS = (
    "Every example was generated by models and can contain factual errors, unsafe content or the "
    "teacher's biases.",
    "Model providers' terms of use may restrict training other models on their outputs; check them and "
    "set `license:` in the run config (the card says `unknown` until you do).",
    "Rows that failed or were rejected are not included (see Counts), which can skew coverage.",
)


def detect_method(run: RunDir, summary: RunSummary) -> str:
    task = run.config.get("task") or run.config.get("method")
    if isinstance(task, str) and task in METHODS:
        return task
    if summary.methods:
        return summary.methods.most_common(1)[0][0]
    if summary.agentic_rows:
        return "agentic"
    return "generic"


def size_category(rows: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    return next((label for bound, label in bounds if rows < bound), "100M<n<1B")


def _config_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "export"


def _count_lines(paths: Iterable[Path]) -> int | None:
    total = 0
    for path in paths:
        if path.suffix != ".jsonl":
            return None
        with path.open("rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def data_configs(run: RunDir, rows: int) -> list[dict[str, Any]]:
    """``configs`` entries: the main data as ``default``, then one per export folder or file."""
    configs: list[dict[str, Any]] = []
    data = run.data_files()
    if data:
        suffixes = sorted({".parquet" if p.suffix == ".parquet" else "".join(p.suffixes[-2:])
                           if p.name.endswith(".jsonl.gz") else ".jsonl" for p in data})
        globs = [f"data/*{s}" for s in suffixes]
        configs.append({"config_name": "default",
                        "data_files": [{"split": "train", "path": globs[0] if len(globs) == 1 else globs}],
                        "rows": rows})
    groups: dict[str, list[Path]] = {}
    for path in run.export_files():
        relative = path.relative_to(run.path)
        key = str(relative.parent) if relative.parent != Path("exports") else str(relative.with_suffix(""))
        groups.setdefault(key, []).append(path)
    used = {"default"}
    for key, paths in sorted(groups.items()):
        name = _config_name(key.removeprefix("exports/").removeprefix("exports"))
        while name in used:
            name += "_"
        used.add(name)
        relative = paths[0].relative_to(run.path)
        in_folder = relative.parent != Path("exports")
        pattern = f"{relative.parent.as_posix()}/*{paths[0].suffix}" if in_folder else relative.as_posix()
        configs.append({"config_name": name, "data_files": [{"split": "train", "path": pattern}],
                        "rows": _count_lines(paths)})
    return configs


def _columns(run: RunDir) -> list[tuple[str, str]]:
    names = {str: "string", bool: "bool", int: "int", float: "float", list: "list", dict: "struct"}
    for row in run.iter_rows():
        return [(k, "null" if v is None else names.get(type(v), type(v).__name__)) for k, v in row.items()]
    return []


def _settings(run: RunDir, method: str) -> list[tuple[str, str]]:
    settings: Any = None
    for row in run.iter_rows():
        settings = row.get("settings")
        break
    if not isinstance(settings, dict):
        settings = run.config.get(method) if isinstance(run.config.get(method), dict) else {}
    return [(str(k), json.dumps(v, ensure_ascii=False, default=str)) for k, v in settings.items()
            if k != "models"][:40]


def card_header(run: RunDir, summary: RunSummary, method: Method,
                configs: list[dict[str, Any]]) -> dict[str, Any]:
    card_cfg = as_dict(run.config.get("card"))
    header: dict[str, Any] = {
        "license": str(card_cfg.get("license") or run.config.get("license") or DEFAULT_LICENSE),
        "pretty_name": str(card_cfg.get("pretty_name") or run.name),
        "task_categories": list(method.task_categories),
        "tags": sorted({"synthetic", "distillation", "hadron", *method.tags, *card_cfg.get("tags", ())}),
        "annotations_creators": ["machine-generated"],
        "language_creators": ["machine-generated"],
        "size_categories": [size_category(summary.rows)],
    }
    language = card_cfg.get("language") or run.config.get("language")
    if language:
        header["language"] = [language] if isinstance(language, str) else list(language)
    if configs:
        header["configs"] = [{k: v for k, v in c.items() if k != "rows"} for c in configs]
    return header


def render_card(run: RunDir, summary: RunSummary | None = None, *, repo: str | None = None) -> str:
    """The card's Markdown for ``run`` (``summary`` is computed when not given)."""
    if summary is None:
        summary = summarize(run.iter_rows(), run.iter_log("errors"), run.iter_log("rejects"))
    key = detect_method(run, summary)
    method = METHODS.get(key, GENERIC)
    configs = data_configs(run, summary.rows)
    head = summary.headline()
    counts = [("rows", num(head["rows"])), ("failed (in errors.jsonl, not included)", num(head["failed"])),
              ("rejected (not included)", num(head["rejected"]))]
    for name, label, fmt in (("converged_rate", "converged", pct), ("mean_passes", "mean passes", num),
                             ("valid_ballot_rate", "valid judge ballots", pct),
                             ("mean_tool_calls", "tool calls per episode", num)):
        if head.get(name) is not None:
            counts.append((label, fmt(head[name])))
    for name, bias in summary.position.models.items():
        if name != "all" or len(summary.position.models) > 2:
            counts.append((f"judge ballots ranking the candidate shown first as best ({name})",
                           bias.describe()))
    if head.get("cost_usd"):
        counts.append(("model cost (USD)", f"{head['cost_usd']:.4f}"))
    citations = [method.citation] if method.citation else []
    others = [m.citation for k, m in METHODS.items() if m.citation and m.citation not in citations
              and k in ("autoreason", "nanoflux", "distill")]
    if others:
        citations.append("Other methods implemented in Hadron:")
        citations.extend(others)
    env = jinja2.Environment(loader=jinja2.PackageLoader("hadron.qa", "templates"), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("dataset_card.md.j2").render(
        header=yaml.safe_dump(card_header(run, summary, method, configs), sort_keys=False,
                              allow_unicode=True),
        title=run.name, method=method, version=run.manifest.get("hadron_version"), configs=configs, repo=repo,
        columns=_columns(run), counts=counts,
        reject_reasons=", ".join(f"{k} ({v})" for k, v in summary.reject_reasons.most_common(10)),
        models=[(role, ", ".join(sorted(specs))) for role, specs in sorted(summary.models.items())],
        settings=_settings(run, key), limitations=[*method.limitations, *COMMON_LIMITATIONS],
        citations=citations)


def parse_card(text: str) -> tuple[dict[str, Any], str]:
    """Split a card into its YAML header and Markdown body (used by tests and ``push``)."""
    if not text.startswith("---\n"):
        return {}, text
    header, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(header) or {}, body


def write_dataset_card(run_dir: str | Path, *, force: bool = False, repo: str | None = None,
                       summary: RunSummary | None = None) -> Path:
    """Write ``RUN/README.md``; a README someone edited (no marker) is kept unless ``force``."""
    run = RunDir.open(run_dir)
    path = run.path / "README.md"
    if path.is_file() and not force and MARKER not in path.read_text(encoding="utf-8", errors="replace"):
        return path
    text = render_card(run, summary, repo=repo)
    tmp = path.with_name("README.md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
