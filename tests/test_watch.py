"""Watch mode: the quiet period, the ignore list, and a real watcher rebuilding a project on
save."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import BUILD_PY, REPO, snapshot, write_project
from test_incremental import PLAIN_PLAYBOOK, group_text

from playpress.build import Options, Result
from playpress.commands.watch import Changes, QuietPeriod, ignored, watch


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_quiet_period_waits_for_events_to_stop() -> None:
    clock = FakeClock()
    period = QuietPeriod(quiet=0.1, longest=2.0, clock=clock)
    assert period.wait_time() is None and not period.ready()
    period.add("a.md")
    clock.now += 0.05
    period.add("a.md")  # the same save: write, then chmod
    clock.now += 0.09
    assert not period.ready() and period.wait_time() == pytest.approx(0.01)
    period.add("b.md")
    clock.now += 0.099
    assert not period.ready()
    clock.now += 0.002
    assert period.ready() and period.take() == {"a.md", "b.md"}
    assert period.wait_time() is None and period.take() == set()


def test_quiet_period_never_waits_longer_than_its_limit() -> None:
    clock = FakeClock()
    period = QuietPeriod(quiet=0.1, longest=0.5, clock=clock)
    for _ in range(8):  # a tool writing a file every 60 ms
        period.add("c.md")
        clock.now += 0.06
        assert not period.ready()
    period.add("c.md")
    clock.now += 0.03  # only 30 ms after the last event, but 510 ms after the first
    assert period.ready() and period.take() == {"c.md"}


def test_a_finished_write_is_built_after_a_short_settle_not_the_whole_quiet_period() -> None:
    clock, on_disk = FakeClock(), {"a.md"}
    period = QuietPeriod(
        quiet=0.1, longest=2.0, clock=clock, settle=0.005, exists=on_disk.__contains__
    )
    period.add("a.md")  # written...
    clock.now += 0.004
    assert period.wait_time() == pytest.approx(0.096)  # still being written: the whole quiet period
    period.add("a.md", finished=True)  # ...and closed
    assert period.wait_time() == pytest.approx(0.005)
    clock.now += 0.006
    assert period.ready() and period.take() == {"a.md"}


def test_a_missing_file_or_an_unfinished_event_waits_the_whole_quiet_period() -> None:
    clock, on_disk = FakeClock(), {"a.md"}
    period = QuietPeriod(
        quiet=0.1, longest=2.0, clock=clock, settle=0.005, exists=on_disk.__contains__
    )
    # closed, but deleted since (a safe-write in the middle of its renames)
    period.add("b.md", finished=True)
    assert period.wait_time() == pytest.approx(0.1)
    period.take()
    period.add("a.md", finished=True)
    period.add("a.md")  # a chmod after the close
    assert period.wait_time() == pytest.approx(0.1)


def test_changes_settle_after_a_rename_into_place_but_not_after_a_rename_to_a_backup(
    tmp_path: Path,
) -> None:
    root = (tmp_path / "proj").resolve()
    (root / "content/groups").mkdir(parents=True)
    group, renamed = root / "content/groups/g1.md", root / "content/groups/g2.md"
    clock = FakeClock()
    changes = Changes(root, root / "dist", QuietPeriod(0.1, 2.0, clock, settle=0.005))
    event = SimpleNamespace
    # vim: g1.md renamed to its backup g1.md~, so g1.md is missing until the new one is written
    changes.dispatch(
        event(
            event_type="moved", is_directory=False, src_path=str(group), dest_path=str(group) + "~"
        )
    )
    assert changes.period.wait_time() == pytest.approx(0.1)
    group.write_text("---\n---\n", encoding="utf-8")
    changes.dispatch(event(event_type="closed", is_directory=False, src_path=str(group)))
    assert changes.period.wait_time() == pytest.approx(0.005)
    changes.period.take()
    # the operator renames a group: the old name is gone on purpose
    group.rename(renamed)
    changes.dispatch(
        event(event_type="moved", is_directory=False, src_path=str(group), dest_path=str(renamed))
    )
    assert changes.period.wait_time() == pytest.approx(0.005)
    assert changes.period.take() == {str(group), str(renamed)}


def test_outputs_state_and_editor_files_are_ignored(tmp_path: Path) -> None:
    root, out = tmp_path / "proj", tmp_path / "proj" / "dist"
    for name in (
        "dist/g/welcome.txt",
        "dist/.playpress/state.json",
        "content/groups/.g1.md.swp",
        "content/groups/g1.md~",
        "content/groups/.#g1.md",
        "playbooks/4913",
        ".git/index",
        "content/groups/#g1.md#",
        "content/plans/~$fruit-selection.xlsx",
        "../elsewhere.md",
    ):
        assert ignored(str(root / name), root, out), name
    for name in (
        "content/groups/g1.md",
        "playbooks/a.md",
        "themes/default/templates/index.html",
        "content/site.yml",
        "content/plans/fruit-selection.xlsx",
    ):
        assert not ignored(str(root / name), root, out), name


def test_changes_coalesce_watchdog_events(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    clock = FakeClock()
    changes = Changes(root, root / "dist", QuietPeriod(0.1, 2.0, clock))
    event = SimpleNamespace
    changes.dispatch(
        event(
            event_type="modified", is_directory=False, src_path=str(root / "content/groups/g1.md")
        )
    )
    changes.dispatch(
        event(event_type="modified", is_directory=True, src_path=str(root / "content/groups"))
    )
    changes.dispatch(
        event(event_type="created", is_directory=False, src_path=str(root / "dist/g1/welcome.txt"))
    )
    changes.dispatch(
        event(
            event_type="moved",
            is_directory=False,
            src_path=str(root / "playbooks/.a.md.swp"),
            dest_path=str(root / "playbooks/a.md"),
        )
    )
    clock.now += 0.2
    stop = threading.Event()
    assert changes.wait(stop) == {
        str(root.resolve() / "content/groups/g1.md"),
        str(root.resolve() / "playbooks/a.md"),
    }
    stop.set()
    assert changes.wait(stop) == set()


def wait_until(condition: Callable[[], bool], timeout: float) -> float:
    """Seconds until condition() held; fails after timeout."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.01)
    return time.perf_counter() - started


def text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Path, Path, queue.Queue[Result], threading.Thread]]:
    """A project being watched in a thread (no PDFs), stopped after the test."""
    root = write_project(
        tmp_path / "proj",
        {
            "playbooks/running.md": PLAIN_PLAYBOOK,
            "content/groups/r1.md": group_text("r1"),
            "content/groups/r2.md": group_text("r2"),
        },
    ).resolve()
    out = (tmp_path / "dist").resolve()
    results: queue.Queue[Result] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(Options(root, out, pdf=False), stop, lambda r, _stage: results.put(r)),
        daemon=True,
    )
    thread.start()
    wait_until(lambda: (out / "index.html").exists() and not results.empty(), 30)
    yield root, out, results, thread
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


def settled(results: queue.Queue[Result]) -> list[Result]:
    """Wait for the watcher to finish its current round; the results it reported."""
    seen: list[Result] = []
    while True:
        try:
            seen.append(results.get(timeout=0.6))
        except queue.Empty:
            return seen


def test_watch_rebuilds_on_save_and_survives_a_broken_one(
    watched: tuple[Path, Path, queue.Queue[Result], threading.Thread],
) -> None:
    root, out, results, thread = watched
    settled(results)
    welcome = out / "r1/welcome.txt"

    (root / "content/groups/r1.md").write_text(
        group_text("r1", name="Night runners"), encoding="utf-8"
    )
    assert wait_until(lambda: "Night runners" in text_of(welcome), 5) < 1.0
    assert "Runners r2" in text_of(out / "r2/welcome.txt")
    settled(results)

    before = snapshot(out)
    (root / "content/groups/r1.md").write_text(
        "---\nname: [Night\nplaybook: running\n---\n", encoding="utf-8"
    )
    failed = results.get(timeout=5)
    assert [d.path for d in failed.report.errors] == ["content/groups/r1.md"]
    settled(results)
    assert thread.is_alive() and snapshot(out) == before  # the last good outputs, byte for byte

    (root / "content/groups/r1.md").write_text(
        group_text("r1", name="Dawn runners"), encoding="utf-8"
    )
    wait_until(lambda: "Dawn runners" in text_of(welcome), 5)
    settled(results)

    playbook = root / "playbooks/running.md"
    playbook.write_text(
        playbook.read_text(encoding="utf-8").replace("Welcome to", "Hello,"), encoding="utf-8"
    )
    wait_until(
        lambda: (
            text_of(welcome).startswith("Hello, Dawn runners")
            and text_of(out / "r2/welcome.txt").startswith("Hello, Runners r2")
        ),
        5,
    )
    settled(results)

    (root / "content/groups/r3.md").write_text(group_text("r3"), encoding="utf-8")
    wait_until(
        lambda: (
            "Runners r3" in text_of(out / "r3/welcome.txt") and "r3/" in text_of(out / "index.html")
        ),
        5,
    )
    (root / "content/groups/r2.md").unlink()
    wait_until(lambda: not (out / "r2").exists(), 5)
    settled(results)
    assert thread.is_alive()


def test_an_editors_backup_rename_never_builds_the_group_as_deleted(
    watched: tuple[Path, Path, queue.Queue[Result], threading.Thread],
) -> None:
    """vim's save: the file renamed to its backup, a new file written, the backup deleted. Between
    the
    rename and the write the group file is missing for longer than the 5 ms settle time; the build
    must wait for it instead of removing the group's outputs."""
    root, out, results, _thread = watched
    settled(results)
    group, backup = root / "content/groups/r1.md", root / "content/groups/r1.md~"
    welcome = out / "r1/welcome.txt"
    seen_missing = threading.Event()
    done = threading.Event()

    def watch_outputs() -> None:
        while not done.is_set():
            if not welcome.exists():
                seen_missing.set()
            time.sleep(0.002)

    checker = threading.Thread(target=watch_outputs, daemon=True)
    checker.start()
    group.rename(backup)
    # the editor writing the new file: past the settle time, well inside the quiet period
    time.sleep(0.015)
    group.write_text(group_text("r1", name="Vim runners"), encoding="utf-8")
    backup.unlink()
    wait_until(lambda: "Vim runners" in text_of(welcome), 5)
    settled(results)
    done.set()
    checker.join(timeout=2)
    assert not seen_missing.is_set()
    assert all(not r.removed for r in results.queue) and (out / "r1/sop.ics").exists()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_watch_command_line_rebuilds_and_stops_on_ctrl_c_or_kill(
    tmp_path: Path, stop: signal.Signals
) -> None:
    root = write_project(
        tmp_path / "proj",
        {"playbooks/running.md": PLAIN_PLAYBOOK, "content/groups/r1.md": group_text("r1")},
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, str(BUILD_PY), "watch", "--root", str(root), "--no-pdf"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        welcome = root / "dist/r1/welcome.txt"
        wait_until(lambda: "Runners r1" in text_of(welcome), 30)
        time.sleep(0.3)
        (root / "content/groups/r1.md").write_text(
            group_text("r1", name="Hill runners"), encoding="utf-8"
        )
        wait_until(lambda: "Hill runners" in text_of(welcome), 5)
        time.sleep(0.5)  # let it print its report
    finally:
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode in (0, 130), stderr
    assert "Traceback" not in stderr and "error" not in stderr.lower(), stderr
    assert "watching" in stdout and stdout.count("texts and pages") >= 2, stdout


def test_watch_redraws_posters_after_the_texts(tmp_path: Path, minimal_project: Path) -> None:
    pytest.importorskip("playpress.outputs.posters")
    root, out = minimal_project.resolve(), (tmp_path / "dist").resolve()
    reports: queue.Queue[tuple[Result, str]] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(Options(root, out, pdf=False), stop, lambda r, s: reports.put((r, s))),
        daemon=True,
    )
    thread.start()
    try:
        poster = out / "g1/posters/preview.png"
        wait_until(poster.exists, 30)
        while reports.qsize() < 2:
            time.sleep(0.05)
        drawn = poster.stat().st_mtime_ns
        group = root / "content/groups/g1.md"
        group.write_text(
            group.read_text(encoding="utf-8").replace("考研英语冲刺1群", "考研英语冲刺2群"),
            encoding="utf-8",
        )
        wait_until(lambda: poster.stat().st_mtime_ns > drawn, 10)
        stages = [reports.get(timeout=5)[1] for _ in range(4)]
        assert stages[2:] == ["texts and pages", "posters"]  # texts first, then the poster
    finally:
        stop.set()
        thread.join(timeout=5)


class SaveAfter:
    """should_stop() as watch gives it: no for `seconds` after it is first asked, then yes (a
    save came); remembers when it first said yes."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.asked, self.said_yes = seconds, 0.0, 0.0

    def __call__(self) -> bool:
        now = time.perf_counter()
        self.asked = self.asked or now
        if now - self.asked < self.seconds:
            return False
        self.said_yes = self.said_yes or now
        return True


def test_a_new_save_stops_the_pdf_pass_without_waiting_for_the_pdfs(tmp_path: Path) -> None:
    """build(should_stop=...) as watch calls it: asked while workers make the PDFs (one group's
    PDF too), it ends the pass at once; what was not made is deferred, not recorded."""
    import multiprocessing
    from dataclasses import replace

    from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK

    from playpress.build import build
    from playpress.outputs.job import POSTERS

    # a handbook of some 20 pages: Typst takes a good part of a second over it, cold
    notes = "".join(f"\n\n## 第{i}节\n\n" + "社群运营的每一步都写清楚。" * 40 for i in range(60))
    files = {"playbooks/course.md": MINIMAL_PLAYBOOK}
    for n in (1, 2):
        group = MINIMAL_GROUP.replace("冲刺1群", f"冲刺{n}群")
        files[f"content/groups/g{n}.md"] = group.replace("本群备注。", "本群备注。" + notes)
    root = write_project(tmp_path / "proj", files).resolve()
    options = Options(root, (tmp_path / "dist").resolve(), jobs=2)
    pdfs = ["g1/handbook.pdf", "g2/handbook.pdf"]

    def stopped_pass(only: tuple[str, ...], stale: list[str]) -> None:
        assert not build(replace(options, upto=POSTERS)).report.errors  # texts and posters
        save_came = SaveAfter(0.15)  # a save while the workers compile
        stopped = build(replace(options, only=only), should_stop=save_came)
        assert stopped.written == [] and stopped.deferred == stale
        assert time.perf_counter() - save_came.said_yes < 0.5  # not the PDFs' time
        assert multiprocessing.active_children() == []  # the workers ended with the pass

    stopped_pass((), pdfs)  # two PDFs on two workers
    rest = build(options)  # the next round makes what the stopped pass left
    assert [path for path in rest.written if path.endswith(".pdf")] == pdfs
    group = root / "content/groups/g1.md"
    group.write_text(group.read_text("utf-8").replace("本群备注。", "新的备注。"), "utf-8")
    stopped_pass(("g1",), pdfs[:1])  # one group's PDF alone, made in a worker all the same
    waited = build(options, should_stop=lambda: True)  # a newer save before anything was made
    assert waited.written == [] and "g1/handbook.pdf" in waited.deferred
