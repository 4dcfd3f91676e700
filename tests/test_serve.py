"""Serve mode: only dist/ is reachable over HTTP, pages reload after rebuilds and show a failed
build."""

from __future__ import annotations

import functools
import http.client
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli, write_project
from test_incremental import PLAIN_PLAYBOOK, group_text
from test_watch import wait_until

from playpress.build import Options, Result
from playpress.commands.serve import (
    EVENTS_PATH,
    WORKER_SCRIPT,
    LiveState,
    inject,
    make_server,
    preview_words,
    serve,
)
from playpress.commands.watch import watch
from playpress.diagnostics import ERROR, Diagnostic, Report

SECRET = "top secret: outside dist"


def get(port: int, raw_path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send the path exactly as given (no client-side normalising), as an attacker's client
    would."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(
            f"{method} {raw_path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode(
                "latin-1"
            )
        )
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[int, LiveState, Path]]:
    """dist/ with a page, a group folder and a symlink out of it; a secret file beside dist/."""
    out = tmp_path / "dist"
    (out / "g1").mkdir(parents=True)
    (out / "index.html").write_text("<html><body><h1>Groups</h1></body></html>", encoding="utf-8")
    (out / "g1/welcome.txt").write_text("欢迎\n", encoding="utf-8")
    (out / ".playpress").mkdir()
    (out / ".playpress/state.json").write_text("{}", encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "private").mkdir()
    (tmp_path / "private/secret.txt").write_text(SECRET, encoding="utf-8")
    (out / "escape").symlink_to(tmp_path / "private")
    (out / "secret-link.txt").symlink_to(tmp_path / "secret.txt")
    live = LiveState()
    server = make_server(out, live, "127.0.0.1", 0)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server.server_address[1], live, out
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "raw_path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/g1/../../secret.txt",
        "/g1/%2e%2e/%2e%2e/secret.txt",
        "/..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "/%2e%2e%5csecret.txt",
        "/escape/secret.txt",
        "/secret-link.txt",
        str(Path("/") / "etc" / "passwd"),
        "//etc/passwd",
        "http://localhost/../secret.txt",
        "/.playpress/state.json",
        "/%00../secret.txt",
        "/%ff%fe/../secret.txt",
    ],
)
def test_no_path_outside_dist_is_served(site: tuple[int, LiveState, Path], raw_path: str) -> None:
    port, _live, _out = site
    status, body = get(port, raw_path)
    assert status in (403, 404), (raw_path, status)
    assert SECRET.encode() not in body and b"root:" not in body and b"outputs" not in body


def test_files_of_dist_are_served_and_pages_get_the_reload_script(
    site: tuple[int, LiveState, Path],
) -> None:
    port, _live, _out = site
    status, body = get(port, "/g1/welcome.txt")
    assert status == 200 and body.decode("utf-8") == "欢迎\n"
    status, body = get(port, "/")
    assert status == 200 and b"<h1>Groups</h1>" in body and EVENTS_PATH.encode() in body
    assert body.index(b"EventSource") < body.index(b"</body>")
    status, body = get(port, "/g1/")  # a group folder without index.html: its files listed
    assert status == 200 and b'href="welcome.txt"' in body
    assert get(port, "/g1")[0] == 301
    assert get(port, "/missing.html")[0] == 404
    assert get(port, "/g1/welcome.txt", "HEAD")[0] == 200


def failed_result(message: str) -> Result:
    report = Report()
    report.add(Diagnostic("content/groups/g1.md", 3, 7, ERROR, message, "close the bracket"))
    return Result(report)


def test_a_failed_build_shows_its_diagnostics_until_fixed(
    site: tuple[int, LiveState, Path],
) -> None:
    port, live, _out = site
    live.update(failed_result("YAML syntax: <unclosed> [bracket"))
    status, body = get(port, "/")
    assert status == 200 and b"playpress-problems" in body
    # escaped, never markup
    assert b"content/groups/g1.md:3:7: error: YAML syntax: &lt;unclosed&gt; [bracket" in body
    assert b"<h1>Groups</h1>" in body  # the last good page stays under the overlay
    live.update(Result(Report(), written=["index.html"]))
    assert b"playpress-problems" not in get(port, "/")[1]


def test_event_stream_announces_each_rebuild_with_the_files_it_changed(
    site: tuple[int, LiveState, Path],
) -> None:
    port, live, _out = site
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", EVENTS_PATH)
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"

    def next_event() -> dict:
        line = response.readline()
        while not line.startswith(b"data:"):
            line = response.readline()
        return json.loads(line[5:])

    first = next_event()
    assert live.streams == 1
    live.update(Result(Report()))  # nothing written: nothing to tell
    texts = Result(Report(), written=["g1/welcome.txt", "index.html"], deferred=["g1/handbook.pdf"])
    live.update(texts)
    event = next_event()
    generation = first["generation"] + 1
    assert event["generation"] == generation and not event["failed"]
    assert event["changes"][str(generation)] == ["g1/welcome.txt", "index.html"]
    assert event["building"] == ["g1/handbook.pdf"]  # the PDF pass is still to come
    live.update(Result(Report(), written=["g1/handbook.pdf"]))
    event = next_event()
    assert event["building"] == [] and event["changes"][str(generation + 1)] == ["g1/handbook.pdf"]
    assert str(generation) in event["changes"]  # a page one generation behind catches up
    live.update(failed_result("broken"))
    event = next_event()
    assert event["generation"] == generation + 2 and event["failed"] and event["overlay"]
    connection.close()


def test_serve_end_to_end_reloads_and_reports_a_broken_save(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {"playbooks/running.md": PLAIN_PLAYBOOK, "content/groups/r1.md": group_text("r1")},
    ).resolve()
    stop = threading.Event()
    addresses: list[str] = []
    options = Options(root, root / "dist", pdf=False)
    watcher = functools.partial(watch, options)  # as the command line hands it to the server
    thread = threading.Thread(
        target=serve, args=(options, "127.0.0.1", 0, stop, addresses.append, watcher), daemon=True
    )
    thread.start()
    try:
        wait_until(lambda: bool(addresses), 10)
        port = int(addresses[0].rsplit(":", 1)[1].strip("/"))
        wait_until(lambda: get(port, "/r1/welcome.txt")[0] == 200, 30)
        assert b"Runners r1" in get(port, "/r1/welcome.txt")[1]
        (root / "content/groups/r1.md").write_text("---\nname: [Night\n---\n", encoding="utf-8")
        wait_until(lambda: b"playpress-problems" in get(port, "/")[1], 5)
        assert b"content/groups/r1.md:" in get(port, "/")[1]
        (root / "content/groups/r1.md").write_text(
            group_text("r1", name="Night runners"), encoding="utf-8"
        )
        wait_until(lambda: b"playpress-problems" not in get(port, "/")[1], 5)
        assert b"Night runners" in get(port, "/r1/welcome.txt")[1]
        assert get(port, "/../proj/content/groups/r1.md")[0] in (403, 404)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_only_requests_addressed_to_this_machine_are_answered(
    site: tuple[int, LiveState, Path],
) -> None:
    """DNS rebinding: a page elsewhere that points its name at 127.0.0.1 must not read dist/."""
    port, _live, _out = site
    for host, allowed in (
        ("localhost", True),
        (f"127.0.0.1:{port}", True),
        (f"[::1]:{port}", True),
        ("evil.example", False),
        (f"evil.example:{port}", False),
        ("", False),
    ):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        header = f"Host: {host}\r\n" if host else ""
        connection.sendall(
            f"GET /index.html HTTP/1.1\r\n{header}Connection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
        connection.close()
        status = int(reply.split(b" ", 2)[1])
        assert (status == 200) == allowed, (host, status)
        assert allowed or b"<h1>Groups</h1>" not in reply


def test_a_port_out_of_range_is_a_bad_command_line(tmp_path: Path) -> None:
    result = run_cli("serve", "--root", str(tmp_path), "--port", "99999")
    assert result.returncode == 2 and "99999" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("lang", "failed", "missing"),
    [
        ("zh", "构建失败", "不在输出文件夹中"),
        ("en", "Build failed", "is not in the output folder"),
        ("es", "La compilación falló", "no está en la carpeta de salida"),
    ],
)
def test_the_overlay_and_the_preview_pages_speak_the_projects_language(
    tmp_path: Path, lang: str, failed: str, missing: str
) -> None:
    root = write_project(tmp_path / "proj", {"content/site.yml": f"title: T\nlang: {lang}\n"})
    out = root / "dist"
    out.mkdir()
    (out / "index.html").write_text("<html><body><h1>Groups</h1></body></html>", "utf-8")
    live = LiveState(preview_words(root))
    server = make_server(out, live, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    port = server.server_address[1]
    try:
        status, body = get(port, "/g1/handbook.pdf")
        assert (
            status == 404 and missing in body.decode("utf-8") and f'lang="{lang}"' in body.decode()
        )
        live.update(failed_result("broken"))
        page = get(port, "/")[1].decode("utf-8")
        assert f'<div id="playpress-problems" lang="{lang}"' in page and failed in page
        # the project's theme words the preview too; a broken site.yml keeps the last words
        write_project(root, {f"themes/default/labels/{lang}.yml": "preview_failed: ¡Ay!\n"})
        live.words = preview_words(root, live.words)
        live.update(failed_result("broken again"))
        assert "¡Ay!" in get(port, "/")[1].decode("utf-8")
        (root / "content/site.yml").write_text("lang: [\n", "utf-8")
        assert preview_words(root, live.words) == live.words
    finally:
        server.shutdown()
        server.server_close()


def test_the_page_script_is_valid_javascript_and_cannot_be_closed_by_a_path(
    tmp_path: Path,
) -> None:
    """A file name is data in the page's script, never markup: "</script>" in it stays inert."""
    live = LiveState()
    page = inject(b"<html><body></body></html>", live.shown(), "g1/</script><b>x.html")
    assert page.count(b"</script>") == 1 and b"<b>x" not in page
    script = page.split(b"<script>", 1)[1].split(b"</script>", 1)[0]
    (tmp_path / "page.js").write_bytes(script)
    (tmp_path / "worker.js").write_text(WORKER_SCRIPT, "utf-8")
    for name in ("page.js", "worker.js"):
        checked = subprocess.run(["node", "--check", str(tmp_path / name)], capture_output=True)
        assert checked.returncode == 0, checked.stderr.decode()
