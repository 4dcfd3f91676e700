"""The command line and `serve` (issue 11, Also list): a bad command line exits 2 with a message,
`serve` answers only its own host names (DNS rebinding) and still serves nothing outside dist/."""

from __future__ import annotations

import re
import select
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Project, assert_no_crash, assert_usage_error, start, stop_group

BAD_COMMAND_LINES = {
    "serve-port-99999": ("serve", "--port", "99999"),
    "serve-port-65536": ("serve", "--port", "65536"),
    "serve-port-negative": ("serve", "--port", "-1"),
    "serve-port-words": ("serve", "--port", "eighty"),
    "build-unknown-flag": ("build", "--fast"),
    "check-unknown-flag": ("check", "--no-pdf"),
    "misspelt-verb": ("buidl",),
    "jobs-negative": ("build", "--jobs", "-1"),
    "jobs-words": ("build", "--jobs", "all"),
    "only-unknown-group": ("build", "--only", "nosuch"),
    "only-a-path": ("build", "--only", "../g1"),
    "root-missing": ("build", "--root", "no-such-folder"),
    "root-is-a-file": ("check", "--root", "playbooks/course.md"),
    "new-without-a-name": ("new", "group"),
}


@pytest.mark.parametrize("name", BAD_COMMAND_LINES)
def test_bad_command_line_exits_2(source_project: Project, name: str) -> None:
    run = source_project.run(*BAD_COMMAND_LINES[name], timeout=15)
    assert_usage_error(run)
    assert not (source_project / "dist").exists() or name.startswith("only"), (
        "a refused command wrote dist/"
    )


def test_serve_on_a_port_in_use_exits_2(source_project: Project) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        run = source_project.run("serve", "--no-pdf", "--port", port, timeout=15)
    assert_usage_error(run)
    assert port in run.stderr, f"the message does not name the port\n{run}"


@pytest.mark.parametrize("name", ["../../evil", "/tmp/evil-group", "a/b", "..", "g1"])
def test_new_group_with_a_hostile_name_writes_nothing_outside(
    source_project: Project, name: str
) -> None:
    """`new group NAME` makes content/groups/NAME.md: a name that is a path is refused, an existing
    group is never overwritten."""
    before = {p: p.read_bytes() for p in source_project.root.rglob("*") if p.is_file()}
    outside_before = set(source_project.root.parent.iterdir())
    run = source_project.run("new", "group", name, "--playbook", "course", timeout=15)
    assert_no_crash(run)
    assert run.returncode in (1, 2), f"exit {run.returncode}: the hostile name was accepted\n{run}"
    assert set(source_project.root.parent.iterdir()) == outside_before, (
        "a file was made beside the project"
    )
    assert not Path("/tmp/evil-group.md").exists()
    after = {p: p.read_bytes() for p in source_project.root.rglob("*") if p.is_file()}
    assert after == before, "the project changed"


def test_new_playbook_with_a_path_for_a_name(source_project: Project) -> None:
    outside_before = set(source_project.root.parent.iterdir())
    run = source_project.run("new", "playbook", "../../evil", "--type", "knowledge", timeout=15)
    assert_no_crash(run)
    assert run.returncode in (1, 2), run
    assert set(source_project.root.parent.iterdir()) == outside_before


# --- serve: Host header and paths ----------------------------------------------------------------

SECRET = b"outside-dist-secret"


class Server:
    def __init__(self, process, port: int, root: Path):  # type: ignore[no-untyped-def]
        self.process, self.port, self.root = process, port, root

    def request(
        self, path: str, host: str | None = "localhost", read_body: bool = True
    ) -> tuple[int, bytes]:
        """One raw request (no client-side normalising); the status and as much body as came."""
        head = f"GET {path} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host is not None else "")
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall((head + "Connection: close\r\n\r\n").encode("latin-1"))
            data = b""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    chunk = connection.recv(65536)
                except TimeoutError:
                    break
                if not chunk:
                    break
                data += chunk
                if not read_body and b"\r\n\r\n" in data:
                    break
        status_line = data.split(b"\r\n", 1)[0].split()
        assert len(status_line) >= 2, (
            f"no HTTP answer to {path!r} with Host {host!r}: {data[:200]!r}"
        )
        return int(status_line[1]), data.partition(b"\r\n\r\n")[2]


@pytest.fixture(scope="module")
def server(base_home, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """`serve --port 0` on a copy of the good base project, with a secret beside dist/."""
    root = tmp_path_factory.mktemp("serve") / "proj"
    shutil.copytree(base_home.good, root, symlinks=True)
    (root / "secret.txt").write_bytes(SECRET)
    process = start("serve", "--no-pdf", "--port", "0", cwd=root)
    port, seen, deadline = 0, b"", time.monotonic() + 30
    while not port and time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            chunk = process.stdout.read1(4096)  # type: ignore[union-attr]
            if not chunk:
                break
            seen += chunk
            found = re.search(rb"http://127\.0\.0\.1:(\d+)/", seen)
            port = int(found.group(1)) if found else 0
    if not port:
        stop_group(process)
        pytest.fail(f"serve did not say where it listens: {seen!r} {process.stderr.read()!r}")  # type: ignore[union-attr]
    try:
        yield Server(process, port, root)
    finally:
        stop_group(process)
        process.wait(10)


ALLOWED = ["localhost", "localhost:{port}", "127.0.0.1", "127.0.0.1:{port}"]


@pytest.mark.parametrize("host", ALLOWED, ids=lambda h: h.replace("{port}", "PORT"))
def test_serve_answers_its_own_names(server: Server, host: str) -> None:
    status, body = server.request("/", host.format(port=server.port))
    assert status == 200 and b"<html" in body.lower()


REFUSED = [
    "evil.example",
    "evil.example:{port}",
    "localhost.evil.example",
    "127.0.0.1.nip.io:{port}",
    "attacker.test:80",
    None,
]


@pytest.mark.parametrize(
    "host", REFUSED, ids=lambda h: "no-host-header" if h is None else h.replace("{port}", "PORT")
)
def test_serve_refuses_other_host_names(server: Server, host: str | None) -> None:
    """A page on evil.example whose name now resolves to 127.0.0.1 must not read dist/."""
    status, body = server.request(
        "/g1/welcome.txt", None if host is None else host.format(port=server.port)
    )
    assert 400 <= status < 500, f"Host {host!r} got {status}"
    assert "欢迎加入".encode() not in body


def test_serve_refuses_the_event_stream_to_other_host_names(server: Server) -> None:
    status, _body = server.request("/", "localhost")
    page = server.request("/", "localhost")[1].decode("utf-8", "replace")
    # the stream's address, as a page opens it (EventSource) or hands it to its worker ("events")
    found = re.search(r"(?:EventSource\(\s*|\"events\":\s*)['\"]([^'\"]+)['\"]", page)
    assert status == 200 and found, "the page has no live-reload stream to test"
    status, _ = server.request(found.group(1), "evil.example", read_body=False)
    assert 400 <= status < 500, f"the event stream answered evil.example with {status}"


TRAVERSALS = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/g1/../../secret.txt",
    "/%2e%2e%5csecret.txt",
    "//secret.txt/../../secret.txt",
    "/.playpress/state.json",
]


@pytest.mark.parametrize("host", ["localhost", "evil.example"])
@pytest.mark.parametrize("path", TRAVERSALS)
def test_serve_still_refuses_paths_outside_dist(server: Server, path: str, host: str) -> None:
    status, body = server.request(path, host)
    assert status in (400, 403, 404, 421), (path, host, status)
    assert SECRET not in body and b'"outputs"' not in body
