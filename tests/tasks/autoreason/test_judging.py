"""The judge panel: delimiter escaping, counterbalanced orders, the consistency re-ask (scripted judges
through the real client)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from hadron.llm.types import ChatRequest
from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.judging import escape_delimiters
from hadron.tasks.autoreason.records import MethodColumns
from hadron.tasks.autoreason.summary import summarize
from hadron.tasks.autoreason.tournament import refine
from hadron.tasks.baselines import BestOfNConfig, best_of_n

from .fakes import Fake, FakeSetup, rank, ranking_line
from .fakes import shown as shown_blocks


def test_delimiter_lines_are_escaped_and_nothing_else_changes() -> None:
    text = "Fine.\nEND X1\r\n  begin x2  \n**END X-3**\nThe END X1 of it.\nBEGIN X\n"
    escaped = escape_delimiters(text)
    assert escaped == "Fine.\n\\END X1\r\n\\  begin x2  \n\\**END X-3**\nThe END X1 of it.\nBEGIN X\n"
    assert not re.search(r"^(BEGIN|END) X\d+$", escaped, re.MULTILINE | re.IGNORECASE)


def test_text_without_delimiters_is_unchanged() -> None:
    text = "Rayleigh scattering.\n\nRANKING: X1, X2\nno newline at the end"
    assert escape_delimiters(text) == text
    assert escape_delimiters("") == ""


def first_shown_first(cands: dict[str, str], request: ChatRequest) -> str:
    """A judge that reads nothing: it ranks the candidates in the order it was shown them."""
    return ranking_line(list(cands))


async def refine_rows(setup: FakeSetup, rows: int, **settings: object) -> list[MethodColumns]:
    config = AutoReasonConfig(model=setup.spec, **settings)  # type: ignore[arg-type]
    async with setup.hub() as hub:
        return [await refine("Explain TCP slow start.", f"row-{i}", hub, config) for i in range(rows)]


@pytest.mark.parametrize("judges, schema", [(3, False), (6, False), (3, True), (9, True)])
async def test_a_position_only_panel_never_promotes_b_or_ab(
        fake_models: Callable[..., FakeSetup], judges: int, schema: bool) -> None:
    setup = fake_models(Fake(judge=first_shown_first), schema=schema)
    outs = await refine_rows(setup, 12, n_judges=judges, max_passes=3)
    for out in outs:
        assert [p.winner for p in out.trace] == ["A", "A"] and out.generation == "alpha"
        for record in out.trace:
            assert record.borda is not None and len(set(record.borda.values())) == 1  # a Borda tie
            assert {b.design for b in record.ballots} == {"latin"}
    summary = summarize([out.to_columns() for out in outs])
    assert summary.promotions == {"B": 0, "AB": 0} and summary.final_sources == {"A": 12}
    assert summary.bias.share == 1.0 and summary.bias.follows_order and summary.warnings()


@pytest.mark.parametrize("judges", [1, 2, 4, 5, 7])
async def test_a_position_only_panel_of_any_size_never_promotes(
        fake_models: Callable[..., FakeSetup], judges: int) -> None:
    """Sizes a Latin square cannot balance: the leftover judges see A earliest (before: a random row, so
    with 4 or 5 judges the candidate it showed first won the pass)."""
    setup = fake_models(Fake(judge=first_shown_first))
    outs = await refine_rows(setup, 8, n_judges=judges, max_passes=3)
    for out in outs:
        assert [p.winner for p in out.trace] == ["A", "A"] and out.generation == "alpha"
    summary = summarize([out.to_columns() for out in outs])
    assert summary.promotions == {"B": 0, "AB": 0} and summary.final_sources == {"A": 8}


async def test_the_earlier_random_design_let_position_alone_promote(
        fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=first_shown_first))
    outs = await refine_rows(setup, 12, max_passes=3, judge={"design": "random"})
    summary = summarize([out.to_columns() for out in outs])
    assert summary.promotions["B"] + summary.promotions["AB"] > 0  # what counterbalancing removes


async def test_judges_see_the_design_recorded_with_their_ballot(
        fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=first_shown_first))
    out = (await refine_rows(setup, 1, n_judges=3, max_passes=1))[0]
    ballots = out.trace[0].ballots
    shown = [tuple(shown_blocks(request).values()) for request in setup.fake.of("judge")]
    texts = {"A": "alpha", "B": "beta-1", "AB": "gamma-1"}
    assert sorted(shown) == sorted(tuple(texts[c] for c in b.permutation.values()) for b in ballots)
    assert [b.slot for b in ballots] == [0, 1, 2]
    first = [list(b.permutation.values()) for b in ballots]
    assert first[1] == [*first[0][1:], first[0][0]]  # rotations of one base order


async def test_best_of_n_with_a_position_only_panel_keeps_the_first_sample(
        fake_models: Callable[..., FakeSetup]) -> None:
    samples = iter(f"sample text {i}" for i in range(100))
    setup = fake_models(Fake(teacher=lambda prompt: next(samples), judge=first_shown_first))
    config = BestOfNConfig(model=setup.spec, n=3, n_judges=3)
    async with setup.hub() as hub:
        outs = [await best_of_n("Q?", f"row-{i}", hub, config) for i in range(10)]
    for out in outs:
        assert out.final_source.index == 0 and out.trace[0].borda == {"0": 6, "1": 6, "2": 6}


async def test_swap_mode_voids_order_driven_ballots_and_counts_them(
        fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=first_shown_first))
    out = (await refine_rows(setup, 1, max_passes=2, judge={"consistency": "swap"}))[0]
    assert all(p.void and p.winner == "A" for p in out.trace)
    for ballot in out.trace[0].ballots:
        assert ballot.swap is not None and ballot.disagreed and not ballot.valid
        assert ballot.swap.ranking == ballot.ranking[::-1]  # type: ignore[index]
    assert out.usage["judge"].calls == 6 and out.usage["judge_swap"].calls == 6
    summary = summarize([out.to_columns()])
    assert (summary.consistency.asked, summary.consistency.disagreed, summary.consistency.agreed) == (6, 6, 0)
    assert summary.bias.ballots == 12  # both asks are views of the judge's position habit


async def test_swap_mode_keeps_ballots_that_agree(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=lambda cands, request: ranking_line(rank(cands, ["beta-1", "alpha"]))))
    out = (await refine_rows(setup, 1, max_passes=1, judge={"consistency": "swap"}))[0]
    assert out.trace[0].winner == "B" and all(b.valid and not b.disagreed for b in out.trace[0].ballots)
    summary = summarize([out.to_columns()])
    assert summary.consistency.agreed == 3 and not summary.warnings()
