"""NanoFlux settings: domains, bands, level bins; bad settings fail before any call."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hadron.errors import ConfigError
from hadron.tasks.nanoflux.config import BUILTIN_DOMAINS, NanoFluxConfig
from hadron.tasks.nanoflux.tools import build_tools, known_tools, register_tool


def test_domains_from_a_comma_list_use_the_builtin_skills() -> None:
    config = NanoFluxConfig(domains="math, science")  # type: ignore[arg-type]
    assert list(config.domains) == ["math", "science"]
    assert config.skills("science") == list(BUILTIN_DOMAINS["science"])


def test_a_custom_domain_brings_its_skills() -> None:
    config = NanoFluxConfig(domains={"genetics-lab": ["pedigrees", "PCR math"]})
    assert config.skills("genetics-lab") == ["pedigrees", "PCR math"]


def test_an_unknown_domain_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"unknown domain 'astrology'.*known domains: math"):
        NanoFluxConfig(domains=["math", "astrology"])


def test_no_domain_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no domain"):
        NanoFluxConfig(domains=[])


def test_defaults() -> None:
    config = NanoFluxConfig()
    assert config.per_domain == 150 and config.pool_factor == 3 and config.pool_size() == 450
    assert config.rounds_limit() == 4500  # 10 x the pool
    assert config.attacker.model == config.defender.model == config.judge.model == "local"
    assert config.judge.tools == ["python"]


def test_reasoning_quality_is_binned_into_levels() -> None:
    assert [NanoFluxConfig().level(q) for q in range(1, 6)] == [1, 1, 2, 2, 3]
    assert [NanoFluxConfig(level_bins=[1, 2, 3, 4]).level(q) for q in range(1, 6)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("values", [
    {"level_bins": [4, 2]},
    {"level_bins": [0]},
    {"band": {"hops": [5, 2]}},
    {"novelty_threshold": 0},
    {"per_domain": 0},
    {"judge": {"tool_protocol": "smoke-signals"}},
])
def test_bad_settings_are_validation_errors(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        NanoFluxConfig.model_validate(values)


def test_a_level_band_past_the_top_level_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="top level 3"):
        NanoFluxConfig.model_validate({"band": {"levels": [2, 4]}})


def test_unknown_tools_are_config_errors_and_new_ones_register() -> None:
    config = NanoFluxConfig()
    with pytest.raises(ConfigError, match=r"unknown judge tool 'browser'.*python"):
        build_tools(["browser"], config)
    from hadron.tasks.nanoflux.tools import PythonTool

    register_tool("python_again", lambda cfg: PythonTool(cfg.sandbox.limits()))
    try:
        assert "python_again" in known_tools()
        assert list(build_tools(["python"], config)) == ["python"]
    finally:
        from hadron.tasks.nanoflux import tools

        tools._TOOLS.pop("python_again")
