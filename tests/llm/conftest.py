from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hadron.testing import FaultServer, ScriptedBackend, register_scripted, unregister_scripted

Script = Callable[..., ScriptedBackend]
Serve = Callable[..., FaultServer]


@pytest.fixture
def script() -> Iterator[Script]:
    """``script(name, fn, **flags)`` registers a scripted model for this test only."""
    names: list[str] = []

    def register(name: str, fn: Any, **flags: Any) -> ScriptedBackend:
        names.append(name)
        return register_scripted(name, fn, **flags)

    yield register
    for name in names:
        unregister_scripted(name)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(**options)`` starts a FaultServer on 127.0.0.1, stopped after the test."""
    servers: list[FaultServer] = []

    def start(**options: Any) -> FaultServer:
        server = FaultServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
