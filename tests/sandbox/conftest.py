import pytest

from hadron.sandbox import check


@pytest.fixture(scope="session", autouse=True)
def _boundary() -> None:
    report = check()
    if not report.available:
        pytest.skip(f"no OS sandbox on this host: {report.reason}")
