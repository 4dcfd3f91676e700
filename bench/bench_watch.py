"""Benchmark of watch mode on the generated 100-group project: from a save to the outputs on disk.

The watcher is `python build.py watch`, the command an operator runs, in its own process; this
process only saves files and polls the outputs' modification times.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_build import groups_of_playbook, make_project  # noqa: E402

from playpress.build import Options, build  # noqa: E402
from playpress.commands.watch import QUIET_SECONDS, SETTLE_SECONDS  # noqa: E402

POSTER_FILES = (
    "posters/opening-ceremony.png",
    "posters/sharing-session.png",
    "posters/graduation.png",
)


def mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def wait_rewritten(paths: list[Path], before: dict[Path, int], timeout: float = 120.0) -> float:
    """Seconds from now until every path has a newer mtime than before."""
    started = time.perf_counter()
    while any(mtime(p) <= before[p] for p in paths):
        if time.perf_counter() - started > timeout:
            raise SystemExit(
                f"timed out waiting for {[str(p) for p in paths if mtime(p) <= before[p]][:3]}"
            )
        time.sleep(0.002)
    return time.perf_counter() - started


@contextlib.contextmanager
def watching(root: Path, out: Path, *flags: str) -> Iterator[Callable[[], None]]:
    """`build.py watch` in its own process; yields a function that waits until it has printed
    nothing for a while."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "build.py"),
            "watch",
            "--root",
            str(root),
            "--out",
            str(out),
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    last = [time.perf_counter()]
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            last[0] = time.perf_counter()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def idle(quiet: float = 1.0) -> None:
        while time.perf_counter() - last[0] < quiet:
            time.sleep(0.05)

    def cpu_seconds() -> float:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        while not any(line.startswith("watching") for line in lines):
            time.sleep(0.05)
        idle()
        # and its warm-up over (it prints nothing): no CPU used for half a second
        while True:
            before = cpu_seconds()
            time.sleep(0.5)
            if cpu_seconds() - before < 0.02:
                break
        yield idle
    finally:
        # Ctrl-C, as an operator stops it: workers finish before it exits
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        if any("build failed" in line or "internal error" in line for line in lines):
            raise SystemExit("".join(lines[-20:]))


def rename_group(path: Path, number: int) -> None:
    text = path.read_text(encoding="utf-8")
    lines = [
        f"name: 28考研英语起跑营-第{number}次保存" if line.startswith("name:") else line
        for line in text.split("\n")
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


PARTS = {
    "texts": ("welcome.txt", "rules.txt", "faq.txt"),
    "handbook page": ("handbook.html",),
    "calendar": ("sop.html", "sop.csv", "sop.ics"),
    "posters": POSTER_FILES,
}


def measure_group(
    root: Path, out: Path, idle: Callable[[], None], rounds: int
) -> dict[str, list[float]]:
    """Seconds from saving g001.md until each part of its outputs was rewritten."""
    group = "g001"
    times: dict[str, list[float]] = {part: [] for part in PARTS}
    for number in range(rounds):
        files = {part: [out / group / name for name in names] for part, names in PARTS.items()}
        before = {p: mtime(p) for paths in files.values() for p in paths}
        started = time.perf_counter()
        rename_group(root / "content/groups" / f"{group}.md", number)
        for part in PARTS:  # in the order they are made
            wait_rewritten(files[part], before)
            times[part].append(time.perf_counter() - started)
        idle()
    return times


def measure_playbook(root: Path, out: Path, idle: Callable[[], None], rounds: int) -> list[float]:
    groups = groups_of_playbook(root, 1)
    targets = [
        out / g / name
        for g in groups
        for name in ("welcome.txt", "rules.txt", "faq.txt", "sop.ics", "sop.csv", "sop.html")
    ]
    path = root / "playbooks/exam-1.md"
    times = []
    for number in range(rounds):
        before = {p: mtime(p) for p in targets}
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("summary: >-\n", f"summary: >-\n  第{number}版。\n", 1), encoding="utf-8"
        )
        times.append(wait_rewritten(targets, before))
        idle()
    return times


def measure_pdf(root: Path, out: Path, idle: Callable[[], None], rounds: int) -> list[float]:
    pdf = out / "g001/handbook.pdf"
    times = []
    for number in range(rounds):
        before = {pdf: mtime(pdf)}
        rename_group(root / "content/groups/g001.md", 100 + number)
        times.append(wait_rewritten([pdf], before, timeout=300))
        idle()
    return times


def measure_example_pdf(temp: Path, rounds: int, built: bool) -> list[float]:
    """The example project (7 groups, all PDFs) watched whole: seconds from saving a group file
    to its handbook.pdf rewritten. The watch makes every PDF first (its workers compiled them),
    or with `built` finds them current (its warm-up compiles one handbook in each worker)."""
    root = Path(temp) / f"example-{built}"
    for folder in ("content", "playbooks", "themes"):
        shutil.copytree(REPO / folder, root / folder)
    out = (Path(temp) / f"example-dist-{built}").resolve()
    if built:
        build(Options(root.resolve(), out))
    group = root / "content/groups/cafe-la-esquina.md"
    pdf = out / "cafe-la-esquina/handbook.pdf"
    times = []
    with watching(root.resolve(), out) as idle:
        for number in range(rounds):
            before = {pdf: mtime(pdf)}
            text = group.read_text(encoding="utf-8")
            lines = [
                f"name: Café La Esquina · guardado {number}" if line.startswith("name:") else line
                for line in text.split("\n")
            ]
            group.write_text("\n".join(lines), encoding="utf-8")
            times.append(wait_rewritten([pdf], before, timeout=120))
            idle()
    return times


def row(name: str, times: list[float], target: float) -> tuple[str, str, str]:
    median = statistics.median(times)
    return (
        name,
        f"{median * 1000:.0f} ms",
        f"each {', '.join(f'{t * 1000:.0f}' for t in times)} ms; target < {target * 1000:.0f} ms: "
        f"{'met' if median < target else 'NOT met'}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-pdf", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="pp-bench-watch-") as temp:
        root = make_project(Path(temp) / "proj").resolve()
        out = (Path(temp) / "dist").resolve()
        build(Options(root, out, pdf=False))  # a built project, as after a first `build`
        with watching(root, out, "--no-pdf") as idle:
            parts = measure_group(root, out, idle, args.rounds)
            rows.append(row("save one group -> its texts on disk", parts["texts"], 0.1))
            rows.append(
                row("save one group -> also its handbook.html", parts["handbook page"], 0.1)
            )
            rows.append(
                row(
                    "save one group -> also its calendar (sop.html, csv, ics)",
                    parts["calendar"],
                    0.1,
                )
            )
            rows.append(row("save one group -> also its 3 posters", parts["posters"], 0.3))
            rows.append(
                row(
                    "save a playbook of 20 groups -> their texts and calendars",
                    measure_playbook(root, out, idle, args.rounds),
                    1.0,
                )
            )
        if not args.skip_pdf:
            # every group still read and validated; one PDF made
            build(Options(root, out, pdf=True, only=("g001",)))
            with watching(root, out, "--only", "g001") as idle:
                rows.append(
                    row(
                        "save one group of 100 -> its handbook PDF (3 posters inside)",
                        measure_pdf(root, out, idle, max(3, args.rounds)),
                        0.5,
                    )
                )
            for built, how in ((False, "made by the watch"), (True, "current at the start")):
                rows.append(
                    row(
                        f"example, all PDFs ({how}): save a group file -> its handbook PDF",
                        measure_example_pdf(Path(temp), max(3, args.rounds), built),
                        0.5,
                    )
                )
    print(f"load average after: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; `build.py watch` in "
        "its own process; "
        f"a finished write waits {SETTLE_SECONDS * 1000:.0f} ms, other events "
        f"{QUIET_SECONDS * 1000:.0f} ms"
    )
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>8}  {note}")


if __name__ == "__main__":
    main()
