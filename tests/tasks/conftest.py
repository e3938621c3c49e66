"""Fixtures for task tests: ``fake_models`` registers a scripted model for the AutoReason roles."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hadron.testing import register_scripted, unregister_scripted

from .autoreason.fakes import Fake, FakeSetup

_names = itertools.count()


@pytest.fixture
async def fake_models(tmp_path: Path) -> AsyncIterator[Callable[..., FakeSetup]]:
    """``setup = fake_models(Fake(...), schema=False)``; ``setup.spec`` is the model spec to use."""
    names: list[str] = []

    def make(fake: Fake | None = None, *, schema: bool = False) -> FakeSetup:
        fake = fake or Fake()
        name = f"tournament-{next(_names)}"
        register_scripted(name, fake, supports_schema=schema)
        names.append(name)
        return FakeSetup(fake=fake, spec=f"scripted:{name}", cache=tmp_path / "cache.sqlite")

    yield make
    for name in names:
        unregister_scripted(name)
