"""Headless Chromium (Debian's /usr/bin/chromium) driven over the DevTools protocol on a pipe:
no driver, no websocket library, nothing downloaded. Tests open pages with the browser's clock
set to a date, with or without script, and read what a phone at 390 px shows."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags the machine notes give for a closed network: no background requests, no sandbox (root).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


# Virtual time runs ahead whenever the page is idle (days at a time, to the next timer): budgets of
# a second keep it within seconds of the clock that was set, so Date() stays on the day meant.
VIRTUAL_BUDGET_MS = 1000
ANSWER_SECONDS = 30


def _high(fd: int) -> int:
    """The same pipe end on a descriptor above 10 (the low one closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


class Chromium:
    """One browser process; `page()` opens a tab to drive."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="playpress-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # above fd 4, so that putting one end on 3 cannot close the other (or be a no-op dup2)
        to_browser_r, from_browser_w = (_high(fd) for fd in (to_browser_r, from_browser_w))

        def wire_pipes() -> None:  # the browser reads commands on fd 3, answers on fd 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes,
            close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, session: str = "", **params: Any) -> dict[str, Any]:
        """One command; its result (events that arrive meanwhile are kept in `events`)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, methods: tuple[str, ...], session: str) -> dict[str, Any]:
        """The next event of a tab that is one of `methods` (one already received counts)."""
        while True:
            for n, event in enumerate(self.events):
                if event.get("method") in methods and event.get("sessionId") == session:
                    return self.events.pop(n)
            self.events.append(self._read())

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], ANSWER_SECONDS)
            if not ready:  # a test fails rather than hang
                raise TimeoutError(f"chromium said nothing for {ANSWER_SECONDS} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)  # type: ignore[no-any-return]

    def page(
        self,
        width: int = 390,
        height: int = 844,
        scale: float = 2,
        script: bool = True,
        clock: dt.datetime | None = None,
        timezone: str = "",
    ) -> Page:
        """A new tab the size of a phone; `clock`: the browser's time from the start (virtual
        time, what Date() gives the page); `script=False`: the page's scripts do not run."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=scale,
            mobile=True,
        )
        if timezone:
            self.send("Emulation.setTimezoneOverride", session, timezoneId=timezone)
        if not script:
            self.send("Emulation.setScriptExecutionDisabled", session, value=True)
        if clock is not None:
            self.send(
                "Emulation.setVirtualTimePolicy",
                session,
                policy="advance",
                budget=VIRTUAL_BUDGET_MS,
                initialVirtualTime=clock.timestamp(),
            )
        return Page(self, session, target, script, clock is not None)


class Page:
    def __init__(
        self, browser: Chromium, session: str, target: str, script: bool, clock: bool
    ) -> None:
        self.browser, self.session, self.target = browser, session, target
        self.script, self.clock = script, clock

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.send(method, self.session, **params)

    def open(self, url: str) -> None:
        """Go to url and wait until it and its images have loaded."""
        self.send("Page.navigate", url=url)
        while True:
            event = self.browser.wait_for(
                ("Page.loadEventFired", "Emulation.virtualTimeBudgetExpired"), self.session
            )
            if event["method"] == "Page.loadEventFired":
                break
            # loading waits on virtual time: let it run a little further, a second at a time
            self.send("Emulation.setVirtualTimePolicy", policy="advance", budget=VIRTUAL_BUDGET_MS)
        if self.clock:  # the page's script has read the clock: let time run so images paint
            self.send("Emulation.setVirtualTimePolicy", policy="advance")
        if self.script:  # every image shown decoded (a screenshot paints a frame of its own)
            self.send(
                "Runtime.evaluate",
                expression="Promise.all(Array.from(document.images).filter(function (i) { "
                "return i.offsetParent !== null && i.getBoundingClientRect().top < innerHeight; "
                "}).map(function (i) { return i.decode(); }))",  # lazy ones below: not loaded
                awaitPromise=True,
            )

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def requests(self) -> list[str]:
        """Every URL this tab asked for so far."""
        return [
            e["params"]["request"]["url"]
            for e in self.browser.events
            if e.get("sessionId") == self.session and e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path | None = None, full: bool = True) -> bytes:
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=full)
        data = base64.b64decode(shot["data"])
        if path is not None:
            path.write_bytes(data)
        return data

    def close(self) -> None:
        self.browser.send("Target.closeTarget", targetId=self.target)


@contextlib.contextmanager
def served(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """folder over HTTP on 127.0.0.1, as a host would serve dist/: (base URL, paths asked for)."""
    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            asked.append(self.path)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def noon(date: dt.date, timezone: str) -> dt.datetime:
    """Midday of a date in a time zone, as an aware datetime (a clock to set the browser to)."""
    return dt.datetime.combine(date, dt.time(12), ZoneInfo(timezone))
