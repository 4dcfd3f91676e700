"""The PDF stage: documents prepared in the build's process, compiled by PDF workers that never
share a process with a compile that forks (a watch session keeps them warm, save after save)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
from conftest import BUILD_PY, MINIMAL_GROUP, MINIMAL_PLAYBOOK, REPO, write_project

SAVES = 10
SAVE_LIMIT = 30.0  # seconds from a save to both PDFs on disk: far above the 0.5 s it takes


def groups(root: Path, count: int = 2) -> Path:
    files = {"playbooks/course.md": MINIMAL_PLAYBOOK}
    for n in range(1, count + 1):
        files[f"content/groups/g{n}.md"] = MINIMAL_GROUP.replace("冲刺1群", f"冲刺{n}群")
    return write_project(root, files)


def pdf_says(path: Path, words: str) -> bool:
    try:
        reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
        return any(words in (page.extract_text() or "") for page in reader.pages)
    except (OSError, pypdf.errors.PdfReadError):
        return False


def descendants(pid: int) -> set[int]:
    """Processes under pid (Linux /proc): the forkserver and the PDF workers it forked."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def wait_for(condition, limit: float) -> float:  # noqa: ANN001
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            raise AssertionError(f"not done within {limit} s")
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_watch_session_remakes_two_pdfs_on_each_of_ten_saves(tmp_path: Path) -> None:
    root = groups(tmp_path / "proj")
    out = tmp_path / "dist"
    pdfs = [out / "g1/handbook.pdf", out / "g2/handbook.pdf"]
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    watcher = subprocess.Popen(
        [sys.executable, str(BUILD_PY), "watch", "--root", str(root), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        wait_for(lambda: all(pdf_says(p, "正文。") for p in pdfs), 120)
        time.sleep(0.5)  # the warm-up after the first build
        workers = descendants(watcher.pid)
        assert workers, "no PDF workers"
        playbook = root / "playbooks/course.md"
        took = []
        for save in range(1, SAVES + 1):
            words = f"第{save}次保存的正文"
            text = playbook.read_text(encoding="utf-8")
            playbook.write_text(
                text.replace("正文。", f"{words}。")
                if save == 1
                else text.replace(f"第{save - 1}次保存的正文", words),
                encoding="utf-8",
            )
            took.append(wait_for(lambda w=words: all(pdf_says(p, w) for p in pdfs), SAVE_LIMIT))
        print("save -> both PDFs on disk, s:", [round(t, 2) for t in took])
        # the same worker processes made every PDF: kept warm by the session
        assert descendants(watcher.pid) == workers
    finally:
        watcher.send_signal(signal.SIGINT)
        output, _ = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, output
    assert "internal error" not in output and "build failed" not in output, output
    # the workers end with the session, the forkserver with the watch process
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 10)


BUILD_TWICE = """
import sys
from pathlib import Path
from playpress.build import Options, build
from playpress.media import typst_engine
from playpress.session import Session

root, base = Path(sys.argv[1]), Path(sys.argv[2])
with Session() as session:
    for out in (base / "a", base / "b"):  # the second forks poster workers after PDFs were made
        result = build(Options(root, out, jobs=2), session)
        assert not result.failed(), [str(d) for d in result.report.errors] + [result.bug]
    workers = session.pdf
assert workers is not None and session.pdf is None  # one pool for both builds, closed after
print("compiled here:", typst_engine._compiled_here)
"""


def test_the_build_process_never_compiles_and_forks_safely_after(tmp_path: Path) -> None:
    """In a fresh process (with a time limit: a fork after a compile would hang)."""
    root = groups(tmp_path / "proj", 6)  # 6 posters: rendered by forked workers
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", BUILD_TWICE, str(root), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "compiled here: False"  # every PDF was compiled in a worker
    first, second = (tmp_path / "a/g1/handbook.pdf", tmp_path / "b/g1/handbook.pdf")
    assert first.read_bytes().startswith(b"%PDF") and first.read_bytes() == second.read_bytes()
    assert len(list((tmp_path / "b").glob("g*/posters/preview.png"))) == 6
