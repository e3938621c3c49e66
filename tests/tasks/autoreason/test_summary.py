from __future__ import annotations

from collections.abc import Callable

from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.summary import summarize
from hadron.tasks.autoreason.tournament import refine

from .fakes import Fake, FakeSetup, rank, ranking_line


async def test_summary_counts_promotions_validity_and_usage(fake_models: Callable[..., FakeSetup]) -> None:
    def judge(cands: dict[str, str], request: object) -> str:
        return ranking_line(rank(cands, ["beta-1", "alpha"]))

    fake = Fake(judge=lambda cands, request: "hmm", reask=judge)
    setup = fake_models(fake)
    async with setup.hub() as hub:
        out = await refine("Q?", "r1", hub, AutoReasonConfig(model=setup.spec))
    summary = summarize([out.to_columns()], failed=2)
    assert summary.rows == 1 and summary.failed == 2 and summary.converged == 1
    assert summary.passes == 3 and summary.promotions == {"B": 1, "AB": 0}
    assert summary.final_sources == {"B": 1}
    assert summary.ballots == 9 and summary.valid_first_ask == 0 and summary.valid_after_reasks == 9
    assert summary.usage["judge"].reasks == 9
    data = summary.to_json()
    assert data["valid_after_reasks_share"] == 1.0 and data["passes_mean"] == 3.0
