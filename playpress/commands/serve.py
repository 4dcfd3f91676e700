"""Serve mode: watch plus a preview of dist/ only; its pages reload once a rebuild changed them."""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import os
import posixpath
import re
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..build import Options, Result
from ..diagnostics import BUG, Report
from ..load.project import Loaded, read_site
from ..load.theme import theme_labels
from ..theme import BUILTIN_THEMES, DEFAULT_THEME, theme_dirs

EVENTS_PATH = "/__playpress/events"
WORKER_PATH = "/__playpress/worker.js"  # the SharedWorker that holds one stream for every tab
KEEPALIVE_SECONDS = 15.0
HISTORY = 32  # rebuilds whose changed files a page can still catch up on without reloading
# The preview's own words, from the theme's labels in the project's language.
WORDS = (
    "preview_failed",
    "preview_fix",
    "preview_building",
    "preview_more",
    "preview_not_found",
    "preview_forbidden",
)
_HERE = Path(__file__).parent


def without_comments(script: str) -> str:
    """The script as sent: its comments (block, whole-line and after code) and blank lines left
    out, as every page carries it. Its strings hold no comment marks."""
    script = re.sub(r"/\*.*?\*/", "", script, flags=re.S)
    lines = (re.sub(r"\s+//\s.*$", "", line).rstrip() for line in script.splitlines())
    return "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith("//"))


PAGE_SCRIPT = without_comments((_HERE / "live.js").read_text(encoding="utf-8"))
WORKER_SCRIPT = without_comments((_HERE / "live_worker.js").read_text(encoding="utf-8"))
WORKER_SCRIPT = WORKER_SCRIPT.replace("%(events)s", EVENTS_PATH)


def preview_words(root: Path, before: dict[str, str] | None = None) -> dict[str, str]:
    """The preview's words in the project's language (site.yml's `lang`), the project's theme
    overriding the built-in labels. While site.yml does not read, the words it last gave."""
    loaded = Loaded(None, Report())
    site = read_site(root, loaded)
    if before and loaded.report.errors:
        return before
    return words_of(theme_dirs(root, site.theme), site.lang, root)


def words_of(dirs: tuple[str, ...], lang: str, root: Path) -> dict[str, str]:
    labels = theme_labels(dirs, lang, root, Report())
    return {"lang": lang} | {key: str(labels.get(key, "")) for key in WORDS}


@dataclass(frozen=True)
class Shown:
    """What the pages of one moment are told: the build generation, a failed build's problems
    (and a digest of them), the outputs being rebuilt, the words to say it with."""

    generation: int
    problems: tuple[str, ...]
    overlay: str  # "" when the last build succeeded
    building: tuple[str, ...]
    words: dict[str, str]


class LiveState:
    """The builds as the browser sees them. Each rebuild that changed files (or the problems
    shown) is a generation, with the files it changed; a page reloads only when its generation
    changed the page itself (its file, its stylesheet), and takes a redrawn image in place, so
    a save reloads a page once although texts and posters come in separate passes."""

    def __init__(self, words: dict[str, str] | None = None) -> None:
        self.generation = 0
        self.problems: list[str] = []  # empty: the last build succeeded
        self.building: list[str] = []  # outputs a later pass of this round makes again
        self.changes: deque[tuple[int, list[str]]] = deque(maxlen=HISTORY)
        self.revision = 0  # anything the pages are told changed (a generation, `building`)
        self.streams = 0  # event streams open now: one per browser, however many tabs
        self.words = words or words_of((str(BUILTIN_THEMES / DEFAULT_THEME),), "en", Path("."))
        self.condition = threading.Condition()

    def update(self, result: Result, strict: bool = False) -> None:
        problems = [str(d) for d in result.report.sorted()] if result.failed(strict) else []
        if result.bug:
            problems.append(f"{BUG}:\n{result.bug}")
        changed = sorted((set(result.written) - set(result.unchanged)) | set(result.removed))
        # a later pass checks posters only when it comes: the PDFs are the outputs known stale
        building = [] if problems else sorted(p for p in result.deferred if p.endswith(".pdf"))
        with self.condition:
            if changed or problems != self.problems:
                self.generation += 1
                self.changes.append((self.generation, changed))
                self.problems = problems
            elif building == self.building:
                return
            self.building = building
            self.revision += 1
            self.condition.notify_all()

    def shown(self) -> Shown:
        with self.condition:
            return self._shown()

    def _shown(self) -> Shown:
        overlay = ""
        if self.problems:
            digest = hashlib.blake2b("\n".join(self.problems).encode("utf-8"), digest_size=8)
            overlay = digest.hexdigest()
        return Shown(
            self.generation, tuple(self.problems), overlay, tuple(self.building), self.words
        )

    def message(self) -> tuple[int, str]:
        """The revision and the event a page is sent: the state, and the files each recent
        generation changed."""
        with self.condition:
            shown = self._shown()
            payload = {
                "generation": shown.generation,
                "failed": bool(shown.problems),
                "overlay": shown.overlay,
                "building": list(shown.building),
                "changes": {str(generation): paths for generation, paths in self.changes},
            }
            return self.revision, json.dumps(payload, ensure_ascii=False)

    def wait_after(self, revision: int, timeout: float) -> None:
        with self.condition:
            self.condition.wait_for(lambda: self.revision != revision, timeout)

    def stream_opened(self, opened: bool) -> None:
        with self.condition:
            self.streams += 1 if opened else -1


OVERLAY = """<div id="playpress-problems" lang="%(lang)s"
style="position:fixed;inset:0;z-index:2147483647;overflow:auto;
background:rgba(30,0,0,.92);color:#fff;font:14px/1.5
ui-monospace,Menlo,Consolas,monospace;padding:24px">
<h2 style="margin:0 0 12px;padding:0;border:0;color:#fff;font:bold 18px sans-serif">%(failed)s</h2>
<pre style="white-space:pre-wrap;margin:0">%(problems)s</pre>
<p style="font:13px sans-serif;opacity:.8">%(fix)s</p></div>"""

ERROR_PAGE = """<!doctype html><html lang="%(lang)s"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>%(title)s</title></head>
<body style="font:16px sans-serif;margin:40px"><h1>%(title)s</h1><p>%(message)s</p></body></html>"""


def script_json(value: object) -> str:
    """JSON that can stand inside <script>: no "<" that could close it."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def inject(page: bytes, shown: Shown, path: str | None) -> bytes:
    """The live script (and the problems overlay after a failed build), before </body>.

    `path` is the file of dist/ the page is ("g1/sop.html"), a folder listed ("g1/", "" for
    dist/ itself), or None (a page of the preview's own)."""
    words = shown.words
    config = {
        "generation": shown.generation,
        "overlay": shown.overlay,
        "page": path,
        "events": EVENTS_PATH,
        "worker": WORKER_PATH,
        "words": {
            "building": words.get("preview_building") or "{files}",
            "more": words.get("preview_more") or "+{n}",
        },
    }
    extra = "<script>" + PAGE_SCRIPT.replace("%(config)s", script_json(config)) + "</script>"
    if shown.problems:
        overlay = OVERLAY % {
            "lang": html.escape(words.get("lang", "")),
            "failed": html.escape(words.get("preview_failed", "")),
            "problems": html.escape("\n".join(shown.problems)),
            "fix": html.escape(words.get("preview_fix", "")),
        }
        extra = overlay + extra
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
        """Only requests addressed to this machine: a page elsewhere must not read dist/ through
        a name it points at 127.0.0.1 (DNS rebinding)."""
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
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self.events()
        elif path == WORKER_PATH:
            self.send_page(
                HTTPStatus.OK,
                WORKER_SCRIPT.encode("utf-8"),
                "text/javascript; charset=utf-8",
                False,
            )
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

    def error_page(self, status: HTTPStatus, word: str, head: bool, path: str | None) -> None:
        """A page of the preview's own, in the project's language, that reloads when `path` (a
        file of dist/, or None) appears."""
        shown = self.live.shown()
        message = (shown.words.get(word) or "{path}").replace("{path}", "/" + (path or ""))
        page = ERROR_PAGE % {
            "lang": html.escape(shown.words.get("lang", "")),
            "title": f"{status.value} {status.phrase}",
            "message": html.escape(message),
        }
        self.send_page(
            status, inject(page.encode("utf-8"), shown, path), "text/html; charset=utf-8", head
        )

    def respond(self, head: bool) -> None:
        try:
            target = resolve_in(self.out_dir, self.path)
        except UnicodeDecodeError:
            target = None
        if target is None:
            self.error_page(HTTPStatus.FORBIDDEN, "preview_forbidden", head, None)
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
        path = target.relative_to(self.out_dir).as_posix()
        try:
            body = target.read_bytes()
        except OSError:
            self.error_page(HTTPStatus.NOT_FOUND, "preview_not_found", head, path)
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            body = inject(body, self.live.shown(), path)
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
        path = folder.relative_to(self.out_dir).as_posix() + "/"
        self.send_page(
            HTTPStatus.OK,
            inject(page.encode("utf-8"), self.live.shown(), "" if path == "./" else path),
            "text/html; charset=utf-8",
            head,
        )

    def events(self) -> None:
        """Server-sent events: the state now, then after each rebuild (and every
        KEEPALIVE_SECONDS, so a closed tab's stream ends)."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.live.stream_opened(True)
        try:
            while not getattr(self.server, "stopping", False):
                revision, payload = self.live.message()
                self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()
                self.live.wait_after(revision, KEEPALIVE_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.live.stream_opened(False)


def _own_addresses() -> frozenset[str]:
    """This machine's name and the addresses it is reached at, for `serve --host 0.0.0.0`."""
    import socket

    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    names.add(lan_address())
    return frozenset(name.lower() for name in names if name)


def lan_address() -> str:
    """The address this machine leaves by on its network ("" when it has none): what a phone on
    the same network opens. A UDP socket's connect sends no packet."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
    except OSError:
        return ""


LAN_WARNING = (
    "warning: the preview is open to every device on this network, with no password: anyone on "
    "it can read the outputs (names, links, group QR codes). Use a network you trust, not public "
    "Wi-Fi, and stop it with Ctrl-C when you are done."
)


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
    live = LiveState(preview_words(options.root))
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
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(LAN_WARNING, file=sys.stderr)
        own = lan_address() if host in ("0.0.0.0", "::") else ""
        if own and not own.startswith("127."):
            print(f"on a phone on the same network, open http://{own}:{server.server_address[1]}/")
    if ready is not None:
        ready(address)
    try:
        if watcher is None:
            stop.wait()
            return 0

        def on_build(result: Result, _label: str) -> None:
            live.words = preview_words(options.root, live.words)  # site.yml's lang may change
            live.update(result, options.strict)

        return watcher(stop, on_build)
    finally:
        server.stopping = True  # type: ignore[attr-defined]
        with live.condition:
            live.condition.notify_all()
        server.shutdown()
        server.server_close()
