"""Serve mode: watch plus a local preview of dist/ only, whose pages reload after each rebuild."""

from __future__ import annotations

import html
import json
import mimetypes
import os
import posixpath
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..build import Options, Result
from ..diagnostics import BUG

EVENTS_PATH = "/__playpress/events"
KEEPALIVE_SECONDS = 15.0


class LiveState:
    """The last build as the browser sees it: a generation number and, after a failure, its
    diagnostics."""

    def __init__(self) -> None:
        self.generation = 0
        self.problems: list[str] = []  # empty: the last build succeeded
        self.condition = threading.Condition()

    def update(self, result: Result, strict: bool = False) -> None:
        problems = [str(d) for d in result.report.sorted()] if result.failed(strict) else []
        if result.bug:
            problems.append(f"{BUG}:\n{result.bug}")
        # pages never embed a PDF
        shown = [p for p in result.written + result.removed if not p.endswith(".pdf")]
        with self.condition:
            if shown or problems != self.problems:
                self.generation += 1
                self.problems = problems
                self.condition.notify_all()

    def snapshot(self) -> tuple[int, list[str]]:
        with self.condition:
            return self.generation, list(self.problems)

    def wait_after(self, generation: int, timeout: float) -> tuple[int, list[str]]:
        with self.condition:
            self.condition.wait_for(lambda: self.generation != generation, timeout)
            return self.generation, list(self.problems)


RELOAD_SCRIPT = """<script>(function () {
  var seen = %(generation)d;
  var source = new EventSource("%(events)s");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (state.generation !== seen) { location.reload(); }
  };
})();</script>"""

OVERLAY = """<div id="playpress-problems"
style="position:fixed;inset:0;z-index:2147483647;overflow:auto;
background:rgba(30,0,0,.92);color:#fff;font:14px/1.5
ui-monospace,Menlo,Consolas,monospace;padding:24px">
<h2 style="margin:0 0 12px;font:bold 18px sans-serif">Build failed: these outputs are from the last
good build</h2>
<pre style="white-space:pre-wrap;margin:0">%s</pre>
<p style="font:13px sans-serif;opacity:.8">Fix the file and save: this page reloads by
itself.</p></div>"""

ERROR_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>%(title)s</title></head>
<body style="font:16px sans-serif;margin:40px"><h1>%(title)s</h1><p>%(message)s</p></body></html>"""


def inject(page: bytes, generation: int, problems: list[str]) -> bytes:
    """The reload script (and the diagnostics overlay after a failed build), before </body>."""
    extra = RELOAD_SCRIPT % {"generation": generation, "events": EVENTS_PATH}
    if problems:
        extra = OVERLAY % html.escape("\n".join(problems)) + extra
    data = extra.encode("utf-8")
    lower = page.lower()
    at = lower.rfind(b"</body>")
    return page[:at] + data + page[at:] if at >= 0 else page + data


def resolve_in(out_dir: Path, url_path: str) -> Path | None:
    """The file of dist/ a URL names, or None when it would leave dist/ or touch hidden files."""
    path = unquote(urlsplit(url_path).path, errors="strict")
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None  # also keeps out the build state (.playpress) and half-written temporary files
    normal = posixpath.normpath("/" + "/".join(parts)).lstrip("/")
    root = out_dir.resolve()
    target = (root / normal).resolve() if normal else root
    if target != root and root not in target.parents:
        return None  # a symlink pointing outside dist/
    return target


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD of files under dist/, the live-reload event stream, nothing else."""

    out_dir: Path
    live: LiveState
    hosts: frozenset[str] = frozenset()  # names this server answers to (DNS rebinding: no others)
    server_version = "playpress"

    def host_allowed(self) -> bool:
        """Only requests addressed to this machine: a page elsewhere must not read dist/ through a
        name it points at 127.0.0.1 (DNS rebinding)."""
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):  # [::1]:8000
            name = host[1:].split("]")[0]
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name in self.hosts

    # quiet: the build prints what matters
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        if self.refuse_host(head=True):
            return
        self.respond(head=True)

    def do_GET(self) -> None:  # noqa: N802
        if self.refuse_host(head=False):
            return
        if urlsplit(self.path).path == EVENTS_PATH:
            self.events()
        else:
            self.respond(head=False)

    def refuse_host(self, head: bool) -> bool:
        if self.host_allowed():
            return False
        body = b"This preview answers only to localhost, 127.0.0.1 and the address it listens on.\n"
        self.send_response(HTTPStatus.MISDIRECTED_REQUEST)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        return True

    def send_page(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def error_page(self, status: HTTPStatus, message: str, head: bool) -> None:
        generation, problems = self.live.snapshot()
        page = ERROR_PAGE % {
            "title": f"{status.value} {status.phrase}",
            "message": html.escape(message),
        }
        self.send_page(
            status,
            inject(page.encode("utf-8"), generation, problems),
            "text/html; charset=utf-8",
            head,
        )

    def respond(self, head: bool) -> None:
        try:
            target = resolve_in(self.out_dir, self.path)
        except UnicodeDecodeError:
            target = None
        if target is None:
            self.error_page(
                HTTPStatus.FORBIDDEN, "Only files of the output folder are served.", head
            )
            return
        if target.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", urlsplit(self.path).path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not (target / "index.html").is_file():
                self.listing(target, head)
                return
            target = target / "index.html"
        try:
            body = target.read_bytes()
        except OSError:
            self.error_page(
                HTTPStatus.NOT_FOUND,
                f"{urlsplit(self.path).path} is not in the output folder "
                "(yet: it may still be building).",
                head,
            )
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            generation, problems = self.live.snapshot()
            body = inject(body, generation, problems)
        if content_type.startswith("text/") or content_type in ("text/calendar",):
            content_type += "; charset=utf-8"
        self.send_page(HTTPStatus.OK, body, content_type, head)

    def listing(self, folder: Path, head: bool) -> None:
        """A group's folder has no index.html: list its files, as a file browser would."""
        names = sorted(
            entry.name + ("/" if entry.is_dir() else "")
            for entry in os.scandir(folder)
            if not entry.name.startswith(".")
        )
        title = html.escape(urlsplit(self.path).path)
        items = "".join(
            f'<li><a href="{quote(name)}">{html.escape(name)}</a></li>' for name in names
        )
        page = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<h1>{title}</h1><ul><li><a href="../">../</a></li>{items}</ul></body></html>'
        )
        generation, problems = self.live.snapshot()
        self.send_page(
            HTTPStatus.OK,
            inject(page.encode("utf-8"), generation, problems),
            "text/html; charset=utf-8",
            head,
        )

    def events(self) -> None:
        """Server-sent events: the build generation now, then after each rebuild."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        generation, problems = self.live.snapshot()
        try:
            while not getattr(self.server, "stopping", False):
                payload = json.dumps({"generation": generation, "failed": bool(problems)})
                self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()
                generation, problems = self.live.wait_after(generation, KEEPALIVE_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _own_addresses() -> frozenset[str]:
    """This machine's name and the addresses it is reached at, for `serve --host 0.0.0.0`."""
    import socket

    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    try:  # the address this machine leaves by (no packet is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            names.add(probe.getsockname()[0])
    except OSError:
        pass
    return frozenset(name.lower() for name in names if name)


def make_server(
    out_dir: Path, live: LiveState, host: str = "127.0.0.1", port: int = 8000
) -> ThreadingHTTPServer:
    hosts = frozenset({"localhost", "127.0.0.1", "::1", host.lower()} - {"", "0.0.0.0", "::"})
    if host in ("0.0.0.0", "::"):  # on the LAN (a phone): the machine's own names and addresses too
        hosts |= _own_addresses()
    handler = type(
        "Handler", (PreviewHandler,), {"out_dir": out_dir.resolve(), "live": live, "hosts": hosts}
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


# (stop, on_build) -> exit status
Watcher = Callable[[threading.Event, Callable[[Result, str], None]], int]


def serve(
    options: Options,
    host: str,
    port: int,
    stop: threading.Event | None = None,
    ready: Callable[[str], None] | None = None,
    watcher: Watcher | None = None,
) -> int:
    """Serve dist/ at http://HOST:PORT/ while `watcher(stop, on_build)` rebuilds it, until Ctrl-C
    (or `stop`).

    The server is handed the watcher (cli gives it `watch`): it knows builds only by their
    results."""
    stop = stop or threading.Event()
    live = LiveState()
    options.out.mkdir(parents=True, exist_ok=True)
    try:
        server = make_server(options.out, live, host, port)
    except OSError as exc:
        print(f"playpress: error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    address = f"http://{host}:{server.server_address[1]}/"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
    )
    thread.start()
    shown = os.path.relpath(options.out)
    print(f"serving {options.out if shown.startswith('..') else shown} at {address}")
    if ready is not None:
        ready(address)
    try:
        if watcher is None:
            stop.wait()
            return 0
        return watcher(stop, lambda result, _label: live.update(result, options.strict))
    finally:
        server.stopping = True  # type: ignore[attr-defined]
        with live.condition:
            live.condition.notify_all()
        server.shutdown()
        server.server_close()
