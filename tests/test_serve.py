"""Serve mode: only dist/ is reachable over HTTP, pages reload after rebuilds and show a failed
build."""

from __future__ import annotations

import functools
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli, write_project
from test_incremental import PLAIN_PLAYBOOK, group_text
from test_watch import wait_until

from playpress.build import Options, Result
from playpress.commands.serve import EVENTS_PATH, LiveState, make_server, serve
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


def test_event_stream_announces_each_rebuild(site: tuple[int, LiveState, Path]) -> None:
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
    live.update(Result(Report()))  # nothing written: no reload
    # no page shows a PDF: no reload either
    live.update(Result(Report(), written=["g1/handbook.pdf"]))
    assert live.snapshot()[0] == first["generation"]
    live.update(Result(Report(), written=["g1/welcome.txt"]))
    assert next_event() == {"generation": first["generation"] + 1, "failed": False}
    live.update(failed_result("broken"))
    assert next_event() == {"generation": first["generation"] + 2, "failed": True}
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
