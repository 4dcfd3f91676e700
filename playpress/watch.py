"""Watch mode: the same build, run again after each burst of saves (texts first, then posters, then PDFs)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .build import Options, Result, build
from .plan import LIGHT, PDF, POSTERS

# A save is often several events (write, chmod, rename) within a few milliseconds: wait for them to
# stop. Shorter than the 100 ms of the design, to put a save's texts on disk within 100 ms.
QUIET_SECONDS = 0.04
LONGEST_WAIT = 2.0  # ...but never postpone a build longer than this while events keep coming
EDITOR_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".part", ".crdownload")
EDITOR_NAMES = ("4913",)  # vim's probe file


class QuietPeriod:
    """Collects changed paths; they are ready once no new one came for `quiet` seconds."""

    def __init__(self, quiet: float = QUIET_SECONDS, longest: float = LONGEST_WAIT,
                 clock: Callable[[], float] = time.monotonic):
        self.quiet, self.longest, self.clock = quiet, longest, clock
        self.paths: set[str] = set()
        self.first = self.last = 0.0

    def add(self, path: str) -> None:
        now = self.clock()
        if not self.paths:
            self.first = now
        self.paths.add(path)
        self.last = now

    def wait_time(self) -> float | None:
        """Seconds until the paths are ready (0: now); None when nothing changed."""
        if not self.paths:
            return None
        now = self.clock()
        return max(0.0, min(self.last + self.quiet, self.first + self.longest) - now)

    def ready(self) -> bool:
        return self.wait_time() == 0.0

    def take(self) -> set[str]:
        paths, self.paths = self.paths, set()
        return paths


def ignored(path: str, root: Path, out: Path) -> bool:
    """Outputs, build state, hidden folders (.git) and editors' temporary files never start a build."""
    absolute = os.path.abspath(path)
    if absolute == str(out) or absolute.startswith(str(out) + os.sep):
        return True
    relative = os.path.relpath(absolute, root)
    if relative.startswith(".."):
        return True
    parts = relative.split(os.sep)
    name = parts[-1]
    return (any(part.startswith(".") for part in parts) or name.endswith(EDITOR_SUFFIXES)
            or name in EDITOR_NAMES or name.startswith("#"))


class Changes:
    """File events from watchdog's thread, handed to the build loop after the quiet period."""

    def __init__(self, root: Path, out: Path, quiet: QuietPeriod | None = None):
        self.root, self.out = root.resolve(), out.resolve()
        self.period = quiet or QuietPeriod()
        self.condition = threading.Condition()

    def dispatch(self, event: object) -> None:  # watchdog's handler interface
        if getattr(event, "event_type", "") in ("opened", "closed_no_write"):
            return
        if getattr(event, "is_directory", False) and getattr(event, "event_type", "") == "modified":
            return  # a folder's mtime: the file event itself follows
        for path in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
            if path and not ignored(os.fsdecode(path), self.root, self.out):
                self.add(os.fsdecode(path))

    def add(self, path: str) -> None:
        with self.condition:
            self.period.add(path)
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


def start_observer(root: Path, changes: Changes):  # type: ignore[no-untyped-def]
    from watchdog import events
    from watchdog.observers import Observer
    observer = Observer()
    # Changes only: the build's own reads (opened, closed without writing) never reach Python.
    wanted = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent, events.FileMovedEvent,
              events.FileClosedEvent, events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent]
    observer.schedule(changes, str(root), recursive=True, event_filter=wanted)  # type: ignore[arg-type]
    observer.daemon = True
    observer.start()
    return observer


def staged_build(options: Options, changes: Changes | None = None,
                 report: Callable[[Result, str], None] | None = None) -> list[Result]:
    """Texts and pages first, then posters, then PDFs, each a call of the same build().

    A PDF left for the last pass is removed by the first, so a stale one never looks current;
    a new burst of saves stops the later passes (the next round starts over from texts).
    """
    results: list[Result] = []
    for upto, label in ((LIGHT, "texts and pages"), (POSTERS, "posters"), (PDF, "PDFs")):
        if upto > options.upto:
            break
        result = build(replace(options, upto=upto))
        results.append(result)
        if report is not None:
            report(result, label)
        if result.failed(options.strict) or not result.deferred or (changes is not None and changes.pending()):
            break
    return results


def print_result(result: Result, label: str, options: Options, shown: set[str]) -> None:
    """One line per pass; each diagnostic once per round of passes (a later pass repeats the warnings)."""
    from .cli import summary_of
    for diagnostic in result.report.sorted():
        if str(diagnostic) not in shown:
            shown.add(str(diagnostic))
            print(str(diagnostic), file=sys.stderr)
    stamp = time.strftime("%H:%M:%S")
    if result.bug:
        print(f"{stamp} internal error (a bug in Playpress, not in your project):\n{result.bug}", file=sys.stderr)
    elif result.report.errors or result.failed(options.strict):
        print(f"{stamp} build failed: {summary_of(result.report)}; earlier outputs left as they were; "
              "waiting for the next save", file=sys.stderr)
    elif result.written or result.removed or label == "texts and pages":
        later = f", {len(result.deferred)} to follow" if result.deferred else ""
        print(f"{stamp} {label}: {len(result.written)} written, {len(result.removed)} removed, {result.current} current"
              f"{later} in {result.seconds * 1000:.0f} ms ({summary_of(result.report)})")
    sys.stdout.flush()


def watch(options: Options, stop: threading.Event | None = None,
          on_build: Callable[[Result, str], None] | None = None, quiet: float = QUIET_SECONDS) -> int:
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

    observer = start_observer(options.root, changes)
    print(f"watching {options.root} (Ctrl-C to stop)")
    try:
        staged_build(options, changes, report)
        while not stop.is_set():
            if changes.wait(stop):
                staged_build(options, changes, report)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join(timeout=2)
    return 0
