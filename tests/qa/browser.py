"""A tiny Chrome DevTools Protocol client for testing the HTML report in a real headless Chromium.

Starts ``chromium`` with ``--remote-debugging-port=0``, reads the port from ``DevToolsActivePort`` in
the profile folder, and talks to the first page over a websocket (aiohttp). Collects console messages,
uncaught exceptions and log entries so a test can assert there were no errors.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-dev-shm-usage", "--remote-debugging-port=0")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    def __init__(self, process: asyncio.subprocess.Process, session: aiohttp.ClientSession,
                 socket: aiohttp.ClientWebSocketResponse) -> None:
        self.process = process
        self.session = session
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._event_waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def launch(cls, profile: Path, *, timeout: float = 30.0) -> Chromium:
        exe = find_chromium()
        if exe is None:
            raise RuntimeError("chromium not found")
        profile.mkdir(parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            exe, *FLAGS, f"--user-data-dir={profile}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (port_file.is_file() and port_file.read_text().strip()):
            if process.returncode is not None or loop.time() > deadline:
                process.kill()
                raise RuntimeError("chromium did not open its debugging port")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        session = aiohttp.ClientSession()
        try:
            targets: list[dict[str, Any]] = []
            while not any(t.get("type") == "page" for t in targets):
                async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                if loop.time() > deadline:
                    raise RuntimeError("chromium has no page target")
                await asyncio.sleep(0.05)
            page = next(t for t in targets if t.get("type") == "page")
            socket = await session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        except BaseException:
            await session.close()
            process.kill()
            await process.wait()
            raise
        browser = cls(process, session, socket)
        for domain in ("Page", "Runtime", "Log"):
            await browser.send(f"{domain}.enable")
        return browser

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            self.events.append(data)
            for waiter in list(self._event_waiters):
                name, future = waiter
                if data.get("method") == name and not future.done():
                    future.set_result(data)
                    self._event_waiters.remove(waiter)

    async def send(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30) -> Any:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        await self.socket.send_str(json.dumps({"id": ident, "method": method, "params": params or {}}))
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def navigate(self, url: str, *, timeout: float = 30) -> None:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._event_waiters.append(("Page.loadEventFired", future))
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(future, timeout)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                      "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"JS error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error-level log entries seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                    for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append("exception: " + str(details.get("exception", {}).get("description")
                                                 or details.get("text")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append("log: " + str(params["entry"].get("text")))
        return found

    async def screenshot(self, path: Path, *, width: int = 1400, selector: str | None = None) -> None:
        """Save a PNG of the whole page (or of one element) to ``path``."""
        await self.send("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        if selector is None:
            box = {"x": 0, "y": 0, "width": width,
                   "height": await self.evaluate("document.documentElement.scrollHeight")}
        else:
            box = await self.evaluate(
                f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; })()")
        shot = await self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": {**box, "scale": 1}})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.send("Browser.close", timeout=5)
        await self.socket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.session.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
