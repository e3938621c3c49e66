"""The report opened in a real headless Chromium, driven over the DevTools protocol.

Checks: no console errors or uncaught exceptions, charts drawn (SVG rects with size), the sample
browser renders and switches rows. Screenshots go to ``artifacts/`` (gitignored) for a human to look at.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hadron.qa.eval import EvalOptions, run_eval, write_eval
from hadron.qa.pairs import join_sides, load_side
from hadron.qa.report import write_report
from hadron.testing import register_scripted, unregister_scripted

from .browser import Chromium, find_chromium
from .conftest import ARTIFACTS, FIXTURES

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="chromium is not installed (apt-get install chromium)")

DRAWN_RECTS = ("Array.from(document.querySelectorAll('svg.chart rect'))"
               ".filter(r => r.getBBox().width > 0).length")


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Chromium]:
    chromium = await Chromium.launch(tmp_path / "profile")
    try:
        yield chromium
    finally:
        await chromium.close()


async def add_eval(run: Path) -> None:
    """Write a real eval.json into the run with a scripted judge that prefers longer answers."""
    def longer(request) -> str:  # type: ignore[no-untyped-def]
        text = request.messages[-1]["content"]
        first = text.split("## Response 1\n")[1].split("\n\n## Response 2")[0]
        second = text.split("## Response 2\n")[1].split("\n\nWhich response is better?")[0]
        winner = "1" if len(first) > len(second) else "2" if len(second) > len(first) else "tie"
        return json.dumps({"reasoning": "longer is more complete", "winner": winner})

    register_scripted("browser-judge", longer)
    try:
        joined = join_sides(load_side(run), load_side(FIXTURES / "single_shot.jsonl"))
        result, records = await run_eval(joined, EvalOptions(judges=["scripted:browser-judge"], n_judges=2,
                                                             label_a="autoreason", label_b="single_shot"))
        write_eval(result, records, run)
    finally:
        unregister_scripted("browser-judge")


async def test_autoreason_report_in_chromium(autoreason_run: Path, browser: Chromium) -> None:
    await add_eval(autoreason_run)
    page = write_report(autoreason_run)
    await browser.navigate(page.resolve().as_uri())
    assert await browser.evaluate(DRAWN_RECTS) > 30
    assert await browser.evaluate("document.querySelectorAll('section.panel').length") >= 8
    assert await browser.evaluate("document.querySelector('#eval') !== null")
    # The browser shows the first row: a tournament with its passes, columns and ballots.
    view = "document.getElementById('row-view')"
    assert await browser.evaluate(f"{view}.dataset.rowId") == "p000"
    assert await browser.evaluate(f"{view}.querySelectorAll('details.trace-pass').length") == 2
    assert await browser.evaluate(f"{view}.querySelectorAll('.cols .block').length") >= 3
    assert await browser.evaluate(f"{view}.querySelectorAll('tbody tr').length") >= 3
    # Switch to the capped row (4 passes, a void one) through the <select>.
    await browser.evaluate("(() => { const s = document.getElementById('row-select'); s.selectedIndex = 3;"
                           " s.dispatchEvent(new Event('change')); })()")
    assert await browser.evaluate(f"{view}.dataset.rowId") == "p003"
    assert await browser.evaluate(f"{view}.querySelectorAll('details.trace-pass').length") == 4
    assert "void" in await browser.evaluate(f"{view}.textContent")
    # The row with "</script>" in its prompt renders as text, not markup.
    await browser.evaluate("document.getElementById('next').click(); document.getElementById('next').click()")
    assert await browser.evaluate(f"{view}.dataset.rowId") == "p005"
    assert "</script> inside a string" in await browser.evaluate(f"{view}.textContent")
    assert await browser.evaluate(f"{view}.querySelectorAll('script').length") == 0
    await browser.evaluate("document.getElementById('row-select').selectedIndex = 0;"
                           "document.getElementById('row-select').dispatchEvent(new Event('change'))")
    await browser.screenshot(ARTIFACTS / "report-autoreason.png")
    await browser.screenshot(ARTIFACTS / "report-autoreason-browser.png", selector="#browser")
    assert (ARTIFACTS / "report-autoreason.png").stat().st_size > 10_000
    assert browser.errors() == []


async def test_agentic_report_in_chromium(agentic_run: Path, browser: Chromium) -> None:
    page = write_report(agentic_run)
    await browser.navigate(page.resolve().as_uri())
    assert await browser.evaluate(DRAWN_RECTS) > 5
    view = "document.getElementById('row-view')"
    assert await browser.evaluate(f"{view}.querySelectorAll('.msg').length") == 9
    assert await browser.evaluate(f"{view}.querySelectorAll('.call').length") == 3
    assert "← run [call_0_0]" in await browser.evaluate(f"{view}.textContent")
    await browser.evaluate("document.getElementById('next').click()")
    assert await browser.evaluate(f"{view}.dataset.rowId") == "ep001"
    await browser.screenshot(ARTIFACTS / "report-agentic.png")
    assert browser.errors() == []


async def test_a_script_error_would_be_caught(tmp_path: Path, browser: Chromium) -> None:
    """The harness itself: a page that throws must show up in ``errors()``."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>console.error('boom'); undefinedFn();</script></body></html>",
                    encoding="utf-8")
    await browser.navigate(page.as_uri())
    await asyncio.sleep(0.2)
    errors = browser.errors()
    assert any("boom" in e for e in errors) and any("undefinedFn" in e for e in errors)
