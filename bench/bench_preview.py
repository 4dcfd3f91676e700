"""Benchmark of the live preview: connections per tab, reloads per save, and how soon a save made
during the PDF pass starts its own build.

`python build.py serve` runs in its own process as an operator runs it; the tabs are headless
Chromium (Debian's /usr/bin/chromium) driven by Playwright; connections are read from the
kernel's table (/proc/net/tcp). Run from the repository: `python bench/bench_preview.py`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_preview_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNT_LOADS,
    Served,
    open_connections,
    page_loads,
    start_serve,
    stop_serve,
    wait_for,
)


def example_copy(folder: Path) -> Path:
    """The example project (8 groups in 3 languages), copied so that saves touch no real file."""
    root = folder / "example"
    for name in ("content", "playbooks", "themes"):
        shutil.copytree(REPO / name, root / name)
    return root


def touch_site(root: Path, n: int) -> None:
    """A save of site.yml that changes every page (the title)."""
    site = root / "content/site.yml"
    text = re.sub(r"^title: .*$", f"title: 社群运营中心 {n}", site.read_text("utf-8"), flags=re.M)
    site.write_text(text, "utf-8")


def touch_group(root: Path, n: int) -> None:
    """A save of one group's notes: its own outputs only, one PDF."""
    group = root / "content/groups/kaoyan-english-1.md"
    text = re.sub(r"\n<!-- save \d+ -->|$", "", group.read_text("utf-8"), count=1)
    group.write_text(text.rstrip("\n") + f"\n<!-- save {n} -->\n", "utf-8")


def tabs(root: Path, count: int, transport: str) -> None:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(root / "dist", ignore_errors=True)
    served = start_serve(root, "--no-pdf")
    try:
        wait_for(lambda: served.printed(r"posters: \d+ written"), 120, "the first build")
        time.sleep(0.5)
        pages = ["index.html"] + sorted(
            f"{p.parent.name}/{p.name}"
            for p in (root / "dist").glob("*/*.html")
            if p.name in ("sop.html", "handbook.html")
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context()
            context.add_init_script(COUNT_LOADS)
            if transport == "lock":
                context.add_init_script("delete window.SharedWorker")
            opened, times = [], []
            for path in pages[:count]:
                tab = context.new_page()
                started = time.perf_counter()
                try:
                    tab.goto(served.url + path, timeout=3000)
                    times.append(time.perf_counter() - started)
                except Exception:  # noqa: BLE001 - the tab that never loads is the finding
                    times.append(float("inf"))
                opened.append(tab)
            time.sleep(1.0)
            streams = open_connections(served.port)
            after = len(served.lines)
            touch_site(root, 1 if transport == "worker" else 2)
            wait_for(lambda: served.printed(r"posters: \d+ written", after), 30, "the posters")
            time.sleep(1.5)
            reloads = [page_loads(tab) - 1 for tab in opened]
            browser.close()
        loaded = [t for t in times if t != float("inf")]
        print(
            f"{transport:6} {count} tabs: {len(loaded)} loaded (slowest {max(loaded):.3f} s), "
            f"{streams} event stream(s) held, reloads per tab after one save: {reloads}"
        )
    finally:
        stop_serve(served)


def line_after(served: Served, pattern: str, after: int, timeout: float = 300) -> int:
    """Wait until serve prints a line matching pattern after line `after`: its index."""
    wait_for(lambda: served.printed(pattern, after), timeout, pattern)
    return next(i for i in range(after, len(served.lines)) if re.search(pattern, served.lines[i]))


def pdf_stop(root: Path, rounds: int, touch: Callable[[Path, int], None]) -> None:
    """Save (site.yml: every group's PDF stale; a group: its one PDF), then save again 0.3 s into
    the PDF pass: the time from that second save to the start of the next round (when its texts
    pass is printed, less the time that pass prints), beside a whole PDF pass of the same save."""
    served = start_serve(root)
    try:
        wait_for(lambda: served.printed(r"PDFs: \d+ written"), 300, "the first build")
        time.sleep(1.0)
        whole, stopped = [], []
        for n in range(rounds):
            after = len(served.lines)
            touch(root, 10 + 2 * n)
            line_after(served, r"posters: \d+ written", after)
            time.sleep(0.3)  # the PDF pass is under way
            saved, after = time.perf_counter(), len(served.lines)
            touch(root, 11 + 2 * n)
            start = line_after(served, r"texts and pages", after)
            # from the save to the next round's start: less the texts pass it prints
            texts = int(re.findall(r"in (\d+) ms", served.lines[start])[0]) / 1000
            stopped.append(time.perf_counter() - saved - texts)
            line = served.lines[line_after(served, r"PDFs: \d+ written", start)]
            whole.append(int(re.findall(r"in (\d+) ms", line)[0]) / 1000)
            time.sleep(0.5)
        shown = ", ".join(f"{s:.2f}" for s in stopped)
        print(
            f"{touch.__name__}: save during the PDF pass -> next round starts: {shown} s "
            f"(median {statistics.median(stopped):.2f}); "
            f"a whole PDF pass of the same saves: {', '.join(f'{w:.2f}' for w in whole)} s"
        )
    finally:
        stop_serve(served)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("tabs", "pdf", "all"), default="all")
    parser.add_argument("--save", choices=("site", "group"), default="site")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = example_copy(Path(folder))
        if args.part in ("tabs", "all"):
            for transport in ("worker", "lock"):
                tabs(root, 8, transport)
        if args.part in ("pdf", "all"):
            pdf_stop(root, args.rounds, touch_site if args.save == "site" else touch_group)


if __name__ == "__main__":
    main()
