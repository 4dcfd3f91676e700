"""Watch mode: the same build, run again after each burst of saves (texts first, then posters, then
PDFs)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..build import Options, Result, build, warm_up
from ..diagnostics import bug_report
from ..outputs.job import LIGHT, PDF, POSTERS
from ..session import Session

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

# A save is often several events (open, writes, close; or a temporary file renamed into place)
# within a few milliseconds. A burst whose last event finished a write (the file closed after
# writing, or moved into place) and left every changed file present is ready after SETTLE_SECONDS;
# any other burst (a delete, a write still going on, a new folder) waits QUIET_SECONDS of silence.
QUIET_SECONDS = 0.1
SETTLE_SECONDS = 0.005
LONGEST_WAIT = 2.0  # ...but never postpone a build longer than this while events keep coming
EDITOR_SUFFIXES = (
    ".swp",
    ".swx",
    ".swo",
    "~",
    ".tmp",
    ".part",
    ".crdownload",
    "___jb_tmp___",
    "___jb_old___",
)
EDITOR_NAMES = ("4913",)  # vim's probe file
FINISHED = ("closed", "moved")  # watchdog event types that end a write


class QuietPeriod:
    """Collects changed paths; they are ready once no new one came for `quiet` seconds,
    or for `settle` seconds when the last event finished a write and no changed file is missing."""

    def __init__(
        self,
        quiet: float = QUIET_SECONDS,
        longest: float = LONGEST_WAIT,
        clock: Callable[[], float] = time.monotonic,
        settle: float = SETTLE_SECONDS,
        exists: Callable[[str], bool] = os.path.exists,
    ) -> None:
        self.quiet, self.longest, self.clock, self.settle, self.exists = (
            quiet,
            longest,
            clock,
            settle,
            exists,
        )
        self.paths: set[str] = set()
        self.moved_away: set[str] = set()  # sources of renames: gone on purpose
        self.first = self.last = 0.0
        self.finished = False

    def add(self, path: str, finished: bool = False, moved_away: bool = False) -> None:
        now = self.clock()
        if not self.paths:
            self.first = now
        self.paths.add(path)
        (self.moved_away.add if moved_away else self.moved_away.discard)(path)
        self.last = now
        self.finished = finished

    def wait_time(self) -> float | None:
        """Seconds until the paths are ready (0: now); None when nothing changed."""
        if not self.paths:
            return None
        settled = self.finished and all(map(self.exists, self.paths - self.moved_away))
        quiet = self.settle if settled else self.quiet
        return max(0.0, min(self.last + quiet, self.first + self.longest) - self.clock())

    def ready(self) -> bool:
        return self.wait_time() == 0.0

    def take(self) -> set[str]:
        paths, self.paths, self.moved_away = self.paths, set(), set()
        return paths


def ignored(path: str, root: Path, out: Path) -> bool:
    """Outputs, build state, hidden folders (.git) and editors' temporary files never start a
    build."""
    absolute = os.path.abspath(path)
    if absolute == str(out) or absolute.startswith(str(out) + os.sep):
        return True
    relative = os.path.relpath(absolute, root)
    if relative.startswith(".."):
        return True
    parts = relative.split(os.sep)
    name = parts[-1]
    return (
        any(part.startswith(".") for part in parts)
        or name.endswith(EDITOR_SUFFIXES)
        or name in EDITOR_NAMES
        or name.startswith(("#", "~$"))  # ~$: Excel's and WPS's lock file of an open workbook
    )


class Changes:
    """File events from watchdog's thread, handed to the build loop after the quiet period."""

    def __init__(self, root: Path, out: Path, quiet: QuietPeriod | None = None) -> None:
        self.root, self.out = root.resolve(), out.resolve()
        self.period = quiet or QuietPeriod()
        self.condition = threading.Condition()
        # start_observer's: watches a folder made in the root
        self.new_folder: Callable[[str], None] = lambda _path: None

    def dispatch(self, event: object) -> None:  # watchdog's handler interface
        kind = getattr(event, "event_type", "")
        if kind in ("opened", "closed_no_write"):
            return
        directory = getattr(event, "is_directory", False)
        if directory and kind == "modified":
            return  # a folder's mtime: the file event itself follows
        finished = kind in FINISHED and not directory
        source, target = (
            os.fsdecode(getattr(event, "src_path", "")),
            os.fsdecode(getattr(event, "dest_path", "")),
        )
        kept = bool(target) and not ignored(target, self.root, self.out)
        # A file renamed to an editor's backup name (g1.md -> g1.md~) comes back within moments:
        # until
        # it does, the burst is not settled. Renamed to a name of the project, it is gone on
        # purpose.
        for path, moved_away in ((source, kept), (target, False)):
            if path and not ignored(path, self.root, self.out):
                self.add(path, finished, moved_away)
        made = target if kind == "moved" else source if kind == "created" else ""
        if directory and made and os.path.dirname(os.path.abspath(made)) == str(self.root):
            self.new_folder(os.path.abspath(made))  # a folder new in the root: watched too

    def add(self, path: str, finished: bool = False, moved_away: bool = False) -> None:
        with self.condition:
            self.period.add(path, finished, moved_away)
            self.condition.notify_all()

    def pending(self) -> bool:
        with self.condition:
            return bool(self.period.paths)

    def wait(self, stop: threading.Event, poll: float = 0.5) -> set[str]:
        """Block until a burst of changes is over (or stop is set): the changed paths."""
        with self.condition:
            while not stop.is_set():
                delay = self.period.wait_time()
                if delay == 0.0:
                    return self.period.take()
                self.condition.wait(poll if delay is None else min(delay, poll))
        return set()


def start_observer(root: Path, changes: Changes) -> BaseObserver:
    """Watch the project, not what the build writes: the root's own entries, and each of its
    folders but the output folder and hidden ones (.git) with everything in it. A folder made in
    the root later is watched from then on. (Watching dist/ would spend an inotify watch on every
    group's folder and on each staged build's, for events that are thrown away.)"""
    from watchdog import events
    from watchdog.observers import Observer

    observer = Observer()
    # Changes only: the build's own reads (opened, closed without writing) never reach Python.
    wanted = [
        events.FileCreatedEvent,
        events.FileModifiedEvent,
        events.FileDeletedEvent,
        events.FileMovedEvent,
        events.FileClosedEvent,
        events.DirCreatedEvent,
        events.DirDeletedEvent,
        events.DirMovedEvent,
    ]
    watched: dict[str, Any] = {}

    def watch_folder(path: str) -> None:
        if ignored(path, changes.root, changes.out) or not os.path.isdir(path):
            return
        if os.path.islink(path):
            return  # a link to a folder is not followed (nor are the project's files in it)
        old = watched.pop(path, None)
        if old is not None:  # the folder was removed and made again
            with contextlib.suppress(KeyError, OSError):
                observer.unschedule(old)
        # type: ignore[arg-type]
        watched[path] = observer.schedule(changes, path, recursive=True, event_filter=wanted)

    # type: ignore[arg-type]
    observer.schedule(changes, str(changes.root), recursive=False, event_filter=wanted)
    with os.scandir(changes.root) as listing:
        for entry in sorted(listing, key=lambda e: e.name):
            watch_folder(os.path.join(changes.root, entry.name))
    changes.new_folder = watch_folder
    observer.daemon = True
    observer.start()
    return observer


def staged_build(
    options: Options,
    session: Session,
    changes: Changes | None = None,
    report: Callable[[Result, str], None] | None = None,
) -> list[Result]:
    """Texts and pages first, then posters, then PDFs, each a call of the same build().

    A PDF left for the last pass is removed by the first, so a stale one never looks current;
    a new burst of saves stops the later passes, also in the middle of one (a PDF being made:
    its worker is stopped), and the next round starts over from texts.
    """
    results: list[Result] = []
    for upto, label in ((LIGHT, "texts and pages"), (POSTERS, "posters"), (PDF, "PDFs")):
        if upto > options.upto:
            break
        should_stop = changes.pending if changes is not None and upto > LIGHT else None
        result = build(replace(options, upto=upto), session, should_stop=should_stop)
        results.append(result)
        if report is not None:
            report(result, label)
        if (
            result.failed(options.strict)
            or not result.deferred
            or (changes is not None and changes.pending())
        ):
            break
    return results


def print_result(result: Result, label: str, options: Options, shown: set[str]) -> None:
    """One line per pass; each diagnostic once per round of passes (a later pass repeats the
    warnings)."""
    for diagnostic in result.report.sorted():
        if str(diagnostic) not in shown:
            shown.add(str(diagnostic))
            print(str(diagnostic), file=sys.stderr)
    stamp = time.strftime("%H:%M:%S")
    if result.bug:
        print(f"{stamp} {bug_report(result.bug)}", file=sys.stderr)
    elif result.report.errors or result.failed(options.strict):
        print(
            f"{stamp} build failed: {result.report.summary()}; earlier outputs left as they were; "
            "waiting for the next save",
            file=sys.stderr,
        )
    elif result.written or result.removed or label == "texts and pages":
        later = f", {len(result.deferred)} to follow" if result.deferred else ""
        print(
            f"{stamp} {label}: {len(result.written)} written, {len(result.removed)} removed, "
            f"{result.current} current"
            f"{later} in {result.seconds * 1000:.0f} ms ({result.report.summary()})"
        )
    sys.stdout.flush()


def watch(
    options: Options,
    stop: threading.Event | None = None,
    on_build: Callable[[Result, str], None] | None = None,
    quiet: float = QUIET_SECONDS,
) -> int:
    """Build, then build again after every burst of saves until stopped (Ctrl-C or `stop`)."""
    stop = stop or threading.Event()
    changes = Changes(options.root, options.out, QuietPeriod(quiet))

    shown: set[str] = set()

    def report(result: Result, label: str) -> None:
        if label == "texts and pages":
            shown.clear()  # a new round: say everything again
        print_result(result, label, options, shown)
        if on_build is not None:
            on_build(result, label)

    session = Session()  # what this watch keeps between its builds
    observer = start_observer(options.root, changes)
    print(f"watching {options.root} (Ctrl-C to stop)")
    try:
        staged_build(options, session, changes, report)
        warm_up(options, session)
        while not stop.is_set():
            if changes.wait(stop):
                staged_build(options, session, changes, report)
    except KeyboardInterrupt:
        pass
    finally:
        quiet_stop(observer)
        session.close()  # the PDF workers end with the session
    return 0


def quiet_stop(observer: BaseObserver) -> None:
    """Stop watchdog. Stopped while files are changing, its inotify thread logs a harmless error
    ("queue_events() called when the thread is inactive"): not the operator's concern."""
    logger = logging.getLogger("watchdog")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        observer.stop()
        observer.join(timeout=2)
    finally:
        logger.setLevel(level)
