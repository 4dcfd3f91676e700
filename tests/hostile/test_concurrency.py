"""Incremental builds and concurrency (issue 11, item 10 and the Also list): a moved project is
the same project, two builds into one dist/ do not corrupt it, a killed build leaves nothing half
written."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from .harness import (
    Project,
    Run,
    assert_no_crash,
    assert_unchanged,
    finish,
    snapshot,
    start,
    stop_group,
)
from .projects import G1

OVERRIDE = "themes/default/templates/index.html"
MARKER = "moved-project-override-7f3a"


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Each output's inode and mtime: a rewrite (atomic replace) changes both."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and ".playpress" not in p.parts
    }


def move(project: Project, how: str, tmp_path: Path) -> Project:
    target = (
        tmp_path / "elsewhere" / "proj"
        if how == "moved"
        else project.root.with_name("proj-renamed")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    shutil.move(project.root, target)
    return Project(target)


@pytest.mark.parametrize("how", ["moved", "renamed"])
def test_new_theme_override_is_picked_up_after_the_project_folder_moved(
    project, tmp_path: Path, how: str
) -> None:
    moved = move(project, how, tmp_path)
    moved.write(
        OVERRIDE,
        f"<!doctype html>\n<title>{{{{ site.title }}}}</title>\n<p>{MARKER}</p>\n",
        raw=True,
    )
    run = moved.build()
    assert_no_crash(run)
    assert run.returncode == 0, run
    assert MARKER in (moved.dist / "index.html").read_text(encoding="utf-8"), (
        "the new override was not used"
    )


@pytest.mark.parametrize("how", ["moved", "renamed"])
def test_a_moved_project_with_no_change_rebuilds_nothing(project, tmp_path: Path, how: str) -> None:
    moved = move(project, how, tmp_path)
    before = stamps(moved.dist)
    run = moved.build()
    assert_no_crash(run)
    assert run.returncode == 0, run
    rewritten = sorted(
        name for name, stamp in stamps(moved.dist).items() if before.get(name) != stamp
    )
    assert not rewritten, (
        f"nothing changed but the move, yet {len(rewritten)} outputs were rewritten: {rewritten}"
    )


def refused_as_busy(run: Run) -> bool:
    """A build that found another one at work on the same dist/: exit 1 and a line saying so."""
    return run.returncode == 1 and any(
        "error" in line and ("dist" in line or ".playpress" in line)
        for line in run.stderr.splitlines()
    )


def test_two_builds_at_once_into_one_dist(source_project: Project, base_home) -> None:  # type: ignore[no-untyped-def]
    """One waits for the other or refuses with a clear message; the outputs are right; a third
    build afterwards has nothing to do. (Twelve groups: enough outputs for the two to overlap.)"""
    for number in range(3, 13):
        source_project.write(
            f"content/groups/g{number}.md",
            source_project.read(G1).replace("考研英语冲刺1群", f"考研英语冲刺{number}群"),
            raw=True,
        )
    started = time.monotonic()
    first = start("build", "--no-pdf", cwd=source_project.root)
    second = start("build", "--no-pdf", cwd=source_project.root)
    runs = [finish(first, ("build",), started, 120), finish(second, ("build",), started, 120)]
    for run in runs:
        assert_no_crash(run)
        assert run.returncode == 0 or refused_as_busy(run), (
            f"neither built nor refused clearly\n{run}"
        )
    assert any(run.returncode == 0 for run in runs), "both refused"
    good = snapshot(base_home.good / "dist")
    built = source_project.snapshot()
    for name in [n for n in good if n.startswith(("g1/", "g2/"))]:
        assert built.get(name) == good[name], f"{name} differs from a build made alone"
    before = stamps(source_project.dist)
    third = source_project.build()
    assert_no_crash(third)
    assert third.returncode == 0, third
    rewritten = sorted(
        name for name, stamp in stamps(source_project.dist).items() if before.get(name) != stamp
    )
    assert not rewritten, (
        f"the third build redid {len(rewritten)} of {len(before)} outputs: {rewritten[:12]}"
    )


def test_a_build_killed_midway_leaves_no_half_written_output(
    source_project: Project, pdf_home
) -> None:  # type: ignore[no-untyped-def]
    """kill -9 during a cold build (posters and PDFs under way); the next build makes exactly
    the good dist/ and leaves no temporary file."""
    process = start("build", cwd=source_project.root)
    time.sleep(1.2)
    stop_group(process, signal.SIGKILL)
    process.wait(10)
    run = source_project.build_pdf()
    assert_no_crash(run)
    assert run.returncode == 0, run
    assert_unchanged(
        snapshot(pdf_home.good / "dist"),
        source_project.snapshot(),
        "dist/ after kill -9 and a build",
    )
    stray = [p.name for p in source_project.dist.rglob("*.tmp")]
    assert not stray, f"temporary files left in dist/: {stray}"
