"""Benchmark of whole builds: cold (with and without PDFs), no-op, and --jobs, on a generated
100-group project."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playpress.build import Options, Result, build  # noqa: E402

EXAMPLE_PLAYBOOK = "exam-course"  # 30-day campaign, 3 posters
EXAMPLE_GROUP = "kaoyan-english-1"
PLAYBOOK_COPIES = 5  # 100 groups over 5 playbooks: 20 groups each


def make_project(root: Path, groups: int = 100) -> Path:
    """The example project's site, assets and exam playbook, copied into PLAYBOOK_COPIES playbooks
    and `groups` groups."""
    for folder in ("content/assets",):
        shutil.copytree(REPO / folder, root / folder, dirs_exist_ok=True)
    shutil.copy(REPO / "content/site.yml", root / "content/site.yml")
    (root / "playbooks").mkdir(parents=True, exist_ok=True)
    (root / "content/groups").mkdir(parents=True, exist_ok=True)
    playbook = (REPO / "playbooks" / f"{EXAMPLE_PLAYBOOK}.md").read_text(encoding="utf-8")
    for copy in range(1, PLAYBOOK_COPIES + 1):
        text = playbook.replace("title: 考研英语30天起跑营", f"title: 考研英语30天起跑营{copy}", 1)
        (root / "playbooks" / f"exam-{copy}.md").write_text(text, encoding="utf-8")
    group = (REPO / "content/groups" / f"{EXAMPLE_GROUP}.md").read_text(encoding="utf-8")
    for number in range(1, groups + 1):
        copy = (number - 1) % PLAYBOOK_COPIES + 1
        text = (
            group.replace(f"playbook: {EXAMPLE_PLAYBOOK}", f"playbook: exam-{copy}", 1)
            .replace("name: 28考研英语起跑营1期", f"name: 28考研英语起跑营{number}期", 1)
            .replace("j/kaoyan-english-1", f"j/kaoyan-{number:03d}", 1)
        )
        (root / "content/groups" / f"g{number:03d}.md").write_text(text, encoding="utf-8")
    return root


def groups_of_playbook(root: Path, copy: int) -> list[str]:
    return [
        f"g{n:03d}"
        for n in range(1, 101)
        if (n - 1) % PLAYBOOK_COPIES + 1 == copy and (root / f"content/groups/g{n:03d}.md").exists()
    ]


def timed(options: Options) -> tuple[float, Result]:
    started = time.perf_counter()
    result = build(options)
    if result.failed():
        raise SystemExit(f"build failed: {[str(d) for d in result.report.errors]} {result.bug}")
    return time.perf_counter() - started, result


def command_line_build(root: Path, out: Path, *flags: str) -> tuple[float, float]:
    """A build as the user runs it, in a fresh process: its wall time and the time it reports."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "--out", str(out), *flags],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    reported = re.search(r" in ([0-9.]+) s ", done.stdout)
    return wall, float(reported.group(1)) if reported else wall


def state_unchanged(out: Path, build_once: Callable[[], object]) -> bool:
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    build_once()
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    return before == after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument(
        "--skip-pdf", action="store_true", help="skip the cold build with PDFs (slow)"
    )
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="pp-bench-") as temp:
        root = make_project(Path(temp) / "proj", args.groups)
        out_light = Path(temp) / "dist-nopdf"
        seconds, result = timed(Options(root, out_light, pdf=False))
        rows.append(
            (
                f"cold build, {args.groups} groups, --no-pdf, all cores",
                f"{seconds:.2f} s",
                f"{len(result.written)} files; target < 10 s",
            )
        )
        walls, inside = zip(
            *(command_line_build(root, out_light, "--no-pdf") for _ in range(5)), strict=True
        )
        quiet = state_unchanged(out_light, lambda: command_line_build(root, out_light, "--no-pdf"))
        rows.append(
            (
                f"no-op build, {args.groups} groups, `python build.py` (median of 5)",
                f"{sorted(inside)[2]:.3f} s",
                f"as the command reports it; whole process {sorted(walls)[2]:.3f} s wall; writes "
                f"nothing: {quiet}; "
                "target < 0.5 s",
            )
        )
        noop_times = [timed(Options(root, out_light, pdf=False))[0] for _ in range(5)]
        rows.append(
            (
                "no-op build again in one process (watch mode)",
                f"{min(noop_times):.3f} s",
                "validation reused",
            )
        )
        for jobs in (1, 2):
            out = Path(temp) / f"dist-posters-{jobs}"
            seconds, result = timed(Options(root, out, pdf=False, jobs=jobs))
            rows.append(
                (
                    f"cold build --no-pdf --jobs {jobs}",
                    f"{seconds:.2f} s",
                    f"{len(result.written)} files",
                )
            )
        small = Path(temp) / "dist-small"
        for jobs in (1, 2):
            shutil.rmtree(small, ignore_errors=True)
            seconds, result = timed(Options(root, small, pdf=False, jobs=jobs, only=("g001",)))
            rows.append(
                (
                    f"one group cold --no-pdf --jobs {jobs}",
                    f"{seconds:.3f} s",
                    "small batch: pool overhead",
                )
            )
        if not args.skip_pdf:
            out_full = Path(temp) / "dist-full"
            seconds, result = timed(Options(root, out_full, pdf=True))
            rows.append(
                (
                    f"cold build, {args.groups} groups, with PDFs, all cores",
                    f"{seconds:.2f} s",
                    f"{len(result.written)} files; target < 60 s",
                )
            )
            wall, inside = command_line_build(root, out_full)
            rows.append(
                (
                    "no-op build with PDFs, `python build.py`",
                    f"{inside:.3f} s",
                    f"{wall:.3f} s wall; target < 0.5 s",
                )
            )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>9}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
