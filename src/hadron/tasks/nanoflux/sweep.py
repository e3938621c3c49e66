"""``hadron nanoflux sweep``: the same rounds over several complexity bands, side by side.

The paper's finding is that question complexity vs. usefulness is non-monotonic, so where the band is
cut matters. A sweep runs NanoFlux once per band into ``OUT/h2-5-l2-3`` (same domains, same round
ids, so the same call seeds), selects from each pool, and writes per domain and band: accepted
(selected) questions, verified rate, defender failure rate, mean hops and mean novelty of the
selection. ``OUT/sweep.json`` and ``OUT/sweep.csv`` hold the table, ``OUT/sweep.svg`` the plot (the
report's chart code), and every band's run directory gets a copy of ``sweep.json`` so its report
shows the whole curve.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hadron.data.sinks.files import atomic_write_text
from hadron.runtime.progress import ProgressMode
from hadron.runtime.rundir import RunDir
from hadron.runtime.task import RunRequest
from hadron.tasks.nanoflux.config import Band, NanoFluxConfig
from hadron.tasks.nanoflux.run import run_nanoflux
from hadron.tasks.nanoflux.selection import select_run

SWEEP_FILE = "sweep.json"
METRICS: tuple[tuple[str, str], ...] = (
    ("accepted", "accepted (selected)"), ("verified_rate", "verified rate"),
    ("defender_failure_rate", "defender failure rate"), ("mean_hops", "mean hops"),
    ("novelty", "mean novelty"))
"""Columns of the table and panels of the plot, in order: (key, label)."""


def band_label(band: Band) -> str:
    return f"h{band.hops[0]}-{band.hops[1]}-l{band.levels[0]}-{band.levels[1]}"


def parse_band(text: str, levels: tuple[int, int]) -> Band:
    """``2-5`` (hops; levels from the config) or ``2-5:1-3`` (hops:levels)."""
    hops, _, level_text = text.strip().partition(":")
    try:
        low, high = (int(part) for part in hops.split("-", 1))
        if level_text:
            levels = tuple(int(part) for part in level_text.split("-", 1))  # type: ignore[assignment]
    except ValueError as err:
        raise ValueError(f"band {text!r} is not LOW-HIGH or LOW-HIGH:LOW-HIGH (hops:levels)") from err
    return Band(hops=(low, high), levels=levels)


@dataclass(slots=True)
class BandResult:
    band: str
    domain: str
    pooled: int
    accepted: int
    verified_rate: float | None
    defender_failure_rate: float | None
    mean_hops: float | None
    novelty: float | None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def measure(band: str, domain: str, pooled: Sequence[Mapping[str, Any]],
            selected: Sequence[Mapping[str, Any]], judged: Iterable[Mapping[str, Any]]) -> BandResult:
    """One band's numbers for one domain. ``judged``: every verdict given in the run (pooled rows'
    and rejected candidates'), for the defender failure rate."""
    verdicts = list(judged)
    return BandResult(
        band=band, domain=domain, pooled=len(pooled), accepted=len(selected),
        verified_rate=_mean([float(row.get("verified") is True) for row in selected]),
        defender_failure_rate=_mean([float(v.get("defender_correct") is False) for v in verdicts]),
        mean_hops=_mean([float(row.get("hops") or 0) for row in selected]),
        novelty=_mean([float(row.get("novelty") or 0.0) for row in selected]))


def measure_run(out: Path, band: str, domains: Iterable[str]) -> list[BandResult]:
    run = RunDir(out)
    rows = [located.row for located in run.rows()]
    ids = select_run(run).ids()
    rejected = [r.get("detail") or {} for r in run.records("rejects")]
    results = []
    for domain in domains:
        pooled = [row for row in rows if row.get("domain") == domain]
        verdicts = [row.get("judge") or {} for row in pooled] + [
            detail["verdict"] for detail in rejected
            if detail.get("domain") == domain and isinstance(detail.get("verdict"), dict)]
        results.append(measure(band, domain, pooled, [row for row in pooled if row["id"] in ids], verdicts))
    return results


async def run_sweep(config: NanoFluxConfig, bands: list[Band], out: Path, *,
                    progress: ProgressMode = "quiet") -> list[BandResult]:
    """Run every band (resuming finished ones), then write the table and the plot into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    results: list[BandResult] = []
    for band in bands:
        label = band_label(band)
        settings = config.model_copy(update={"band": band}, deep=True)
        await run_nanoflux(RunRequest(settings, out / label, progress=progress))
        results.extend(measure_run(out / label, label, config.domains))
    write_sweep(out, results, [band_label(band) for band in bands])
    return results


def write_sweep(out: Path, results: list[BandResult], labels: list[str]) -> None:
    document = {"bands": labels, "metrics": [key for key, _ in METRICS],
                "results": [asdict(result) for result in results]}
    text = json.dumps(document, indent=2)
    atomic_write_text(out / SWEEP_FILE, text)
    for label in labels:
        if (out / label).is_dir():
            atomic_write_text(out / label / SWEEP_FILE, text)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(asdict(results[0])) if results else ["band"])
    writer.writeheader()
    writer.writerows(asdict(result) for result in results)
    atomic_write_text(out / "sweep.csv", buffer.getvalue())
    atomic_write_text(out / "sweep.svg", sweep_svg(document))


def sweep_charts(document: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    """Per domain, one bar chart per metric (a bar per band, in sweep order)."""
    from hadron.qa import charts

    by_domain: dict[str, list[Mapping[str, Any]]] = {}
    for result in document.get("results", []):
        by_domain.setdefault(str(result["domain"]), []).append(result)
    out = []
    for domain, results in by_domain.items():
        figures = [charts.hbar([(str(r["band"]), float(r.get(key) or 0.0)) for r in results],
                               title=f"{domain}: {label}", width=420) for key, label in METRICS]
        out.append((domain, figures))
    return out


def sweep_svg(document: Mapping[str, Any]) -> str:
    """One standalone SVG: a row of panels (one per metric) per domain, drawn by the report's macro."""
    from hadron.qa.report import environment

    macro = environment().get_template("_charts.html.j2").module.chart  # type: ignore[attr-defined]
    parts, y, panel_w = [], 0, 440
    for domain, figures in sweep_charts(document):
        height = max(chart.height for chart in figures) + 24
        parts.append(f'<text x="4" y="{y + 14}" font-weight="bold">{domain}</text>')
        for i, chart in enumerate(figures):
            parts.append(f'<text x="{i * panel_w + 4}" y="{y + 30}" font-size="11">{chart.title}</text>')
            parts.append(f'<svg x="{i * panel_w}" y="{y + 34}" width="{chart.width}" height="{chart.height}">'
                         f"{macro(chart)}</svg>")
        y += height + 40
    width = panel_w * len(METRICS)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {max(y, 40)}" '
            f'font-family="sans-serif" font-size="12">' + "".join(parts) + "</svg>\n")


__all__ = ["METRICS", "SWEEP_FILE", "BandResult", "band_label", "measure", "measure_run", "parse_band",
           "run_sweep", "sweep_charts", "sweep_svg", "write_sweep"]
