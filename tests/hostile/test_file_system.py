"""The file system in a bad state (issue 11, items 5 and 7, and the Also list).

dist/ that cannot be written, folders that vanished (an unmounted share), files that are not
files (folders, FIFOs, devices, dangling links), links that leave the project, names that collide
on Windows and macOS, a build state that lies. Each ends in an error that names the path, and
nothing under dist/ (or outside it) changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .harness import (
    Project,
    Run,
    assert_no_crash,
    assert_refused,
    assert_tolerated,
    assert_unchanged,
    dedent,
)
from .projects import G1, GROUP_1, LOGO, PB, SITE_YML

GROUPS = "content/groups"
STATE = "dist/.playpress/state.json"
IS_ROOT = os.geteuid() == 0


def stale(project: Project) -> None:
    """An edit that makes every output of g1 stale, so the next build has to write."""
    project.edit(G1, "topic: 阅读理解", "topic: 长难句")


def read_only_prefix(folder: Path) -> tuple[str, ...]:
    """Run the command with `folder` mounted read-only (root: a private mount namespace)."""
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    return ("unshare", "--mount", "sh", "-c", script, str(folder))


def can_mount_read_only(folder: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run([*read_only_prefix(folder), "true"], capture_output=True)
    return probe.returncode == 0


def test_read_only_dist(project) -> None:
    stale(project)
    if not IS_ROOT:
        for folder, _dirs, _files in os.walk(project.dist):
            os.chmod(folder, 0o555)
        try:
            run = project.build()
        finally:
            for folder, _dirs, _files in os.walk(project.dist):
                os.chmod(folder, 0o755)
    elif can_mount_read_only(project.dist):
        run = project.build(prefix=read_only_prefix(project.dist))
    else:
        pytest.skip("root without mount namespaces: no way to make dist/ read-only")
    assert_refused(run, "dist")
    assert_unchanged(project.before, project.snapshot())


def assert_refused_output_folder(run: Run, name: str) -> None:
    """Exit 1 (or 2: it may be read as a bad --out) with a message naming the folder."""
    assert_no_crash(run)
    assert run.returncode in (1, 2), f"exit {run.returncode}, expected 1 or 2\n{run}"
    assert any(name in line and "error" in line for line in run.stderr.splitlines()), (
        f"no error line naming {name!r}\n{run}"
    )


def test_dist_that_is_a_file(project) -> None:
    shutil.rmtree(project.dist)
    project.write("dist", b"my notes, not a folder\n")
    run = project.build()
    assert_refused_output_folder(run, "dist")
    assert (project / "dist").read_bytes() == b"my notes, not a folder\n"


def test_out_that_is_a_file(project) -> None:
    project.write("notes.txt", b"not a folder\n")
    run = project.build("--out", "notes.txt")
    assert_refused_output_folder(run, "notes.txt")
    assert (project / "notes.txt").read_bytes() == b"not a folder\n"


def test_group_output_folder_that_is_a_file(project) -> None:
    """dist/g1 replaced by a file: rebuilt in its place or refused, never a traceback."""
    shutil.rmtree(project.dist / "g1")
    project.write("dist/g1", b"stray file\n")
    stale(project)
    run = project.build()
    assert_no_crash(run)
    assert run.returncode in (0, 1), run
    if run.returncode == 1:
        assert_refused(run, "g1")


def test_garbage_build_state_rebuilds_the_same_bytes(project) -> None:
    project.write(STATE, b'{"outputs": [garbage\x00')
    run = project.build()
    assert_no_crash(run)
    assert run.returncode == 0, run
    assert_unchanged(project.before, project.snapshot(), "dist/ rebuilt from a garbage state")


def test_build_state_that_is_a_folder(project) -> None:
    (project / STATE).unlink()
    (project / STATE).mkdir()
    stale(project)
    assert_tolerated(project.build(), project.before, project.snapshot())


def test_forged_build_state_removes_nothing_outside_dist(project, outside: Path) -> None:
    """A state file naming outputs outside dist/ (a shared or tampered dist/) deletes nothing."""
    victim = outside / "victim.txt"
    victim.write_bytes(b"keep me\n")
    state = json.loads(project.read(STATE))
    entry = next(iter(state["outputs"].values()))
    state["outputs"]["../content/groups/g1.md"] = entry
    state["outputs"][str(victim)] = entry
    state["outputs"][os.path.relpath(victim, project.dist)] = entry
    project.write(STATE, json.dumps(state, ensure_ascii=False), raw=True)
    run = project.build()
    assert_no_crash(run)
    assert victim.is_file() and victim.read_bytes() == b"keep me\n", (
        "a file outside dist/ was deleted"
    )
    assert (project / G1).is_file(), "the group file itself was deleted"


# --- the groups folder vanished: every group's outputs would go ----------------------------------


def no_groups_folder(project: Project) -> None:
    shutil.rmtree(project / GROUPS)


def empty_groups_folder(project: Project) -> None:
    for path in (project / GROUPS).iterdir():
        path.unlink()


def groups_folder_is_a_file(project: Project) -> None:
    shutil.rmtree(project / GROUPS)
    project.write(GROUPS, b"")


def groups_folder_is_a_dangling_link(project: Project) -> None:
    shutil.rmtree(project / GROUPS)
    (project / GROUPS).symlink_to("/mnt/nas-that-is-not-mounted/groups")


VANISHED = {
    "missing": no_groups_folder,
    "empty-like-an-unmounted-share": empty_groups_folder,
    "a-file": groups_folder_is_a_file,
    "a-dangling-link": groups_folder_is_a_dangling_link,
}


@pytest.mark.parametrize("name", VANISHED)
def test_groups_folder_gone_after_a_good_build_removes_nothing(project, name: str) -> None:
    VANISHED[name](project)
    run = project.build()
    assert_refused(run, GROUPS)
    assert_unchanged(project.before, project.snapshot())


def test_playbooks_folder_gone_after_a_good_build_removes_nothing(project) -> None:
    shutil.rmtree(project / "playbooks")
    run = project.build()
    assert_refused(run)
    assert_unchanged(project.before, project.snapshot())


# --- names that collide where the file system ignores case ---------------------------------------


@pytest.mark.parametrize("verb", ["build", "check"])
def test_group_files_differing_only_in_case(project, verb: str) -> None:
    project.write(
        "content/groups/G1.md",
        project.read(G1).replace("考研英语冲刺1群", "考研英语冲刺大写群"),
        raw=True,
    )
    run = project.build() if verb == "build" else project.check()
    assert_refused(run, "G1", "g1")
    assert_unchanged(project.before, project.snapshot())


# --- links out of the project --------------------------------------------------------------------


def another_group(name: str = "考研英语冲刺3群") -> str:
    return dedent(GROUP_1).replace("考研英语冲刺1群", name)


def link_logo_out(project: Project, outside: Path) -> str:
    (outside / "logo.png").write_bytes((project / LOGO).read_bytes())
    (project / LOGO).unlink()
    (project / LOGO).symlink_to(outside / "logo.png")
    return LOGO


def link_assets_out(project: Project, outside: Path) -> str:
    shutil.move(project / "content/assets", outside / "assets")
    (project / "content/assets").symlink_to(outside / "assets")
    return "content/assets"


def link_group_out(project: Project, outside: Path) -> str:
    (outside / "g3.md").write_text(another_group(), encoding="utf-8")
    (project / "content/groups/g3.md").symlink_to(outside / "g3.md")
    return "content/groups/g3.md"


def link_groups_folder_out(project: Project, outside: Path) -> str:
    shutil.move(project / GROUPS, outside / "groups")
    (project / GROUPS).symlink_to(outside / "groups")
    return GROUPS


def link_playbook_out(project: Project, outside: Path) -> str:
    (outside / "extra.md").write_text(project.read(PB), encoding="utf-8")
    (project / "playbooks/extra.md").symlink_to(outside / "extra.md")
    return "playbooks/extra.md"


def link_site_out(project: Project, outside: Path) -> str:
    shutil.move(project / SITE_YML, outside / "site.yml")
    (project / SITE_YML).symlink_to(outside / "site.yml")
    return SITE_YML


def link_logo_to_dev_zero(project: Project, outside: Path) -> str:
    (project / LOGO).unlink()
    (project / LOGO).symlink_to("/dev/zero")
    return LOGO


def link_group_to_dev_urandom(project: Project, outside: Path) -> str:
    (project / "content/groups/g3.md").symlink_to("/dev/urandom")
    return "content/groups/g3.md"


LINKS_OUT = {
    "logo": link_logo_out,
    "assets-folder": link_assets_out,
    "group-file": link_group_out,
    "groups-folder": link_groups_folder_out,
    "playbook-file": link_playbook_out,
    "site-yml": link_site_out,
    "logo-to-dev-zero": link_logo_to_dev_zero,
    "group-file-to-dev-urandom": link_group_to_dev_urandom,
}


@pytest.mark.parametrize("name", LINKS_OUT)
def test_symlink_leaving_the_project(project, outside: Path, name: str) -> None:
    path = LINKS_OUT[name](project, outside)
    run = project.build()
    assert_refused(run, path)
    assert_unchanged(project.before, project.snapshot())


@pytest.mark.parametrize("name", ["logo", "group-file", "logo-to-dev-zero"])
def test_check_finds_a_symlink_leaving_the_project(project, outside: Path, name: str) -> None:
    path = LINKS_OUT[name](project, outside)
    assert_refused(project.check(), path)


# --- files that are not regular files ------------------------------------------------------------


def group_is_a_folder(project: Project) -> str:
    (project / "content/groups/g3.md").mkdir()
    return "content/groups/g3.md"


def group_is_a_dangling_link(project: Project) -> str:
    (project / "content/groups/g3.md").symlink_to("g3-renamed.md")
    return "content/groups/g3.md"


def group_is_a_link_loop(project: Project) -> str:
    (project / "content/groups/g3.md").symlink_to("g3.md")
    return "content/groups/g3.md"


def fifo(relpath: str):  # type: ignore[no-untyped-def]
    """A named pipe in a file's place: reading it waits for a writer that never comes."""

    def apply(project: Project) -> str:
        target = project / relpath
        if target.exists():
            target.unlink()
        os.mkfifo(target)
        return relpath

    return apply


NOT_FILES = {
    "group-file-is-a-folder": group_is_a_folder,
    "group-file-is-a-dangling-link": group_is_a_dangling_link,
    "group-file-is-a-link-loop": group_is_a_link_loop,
    "group-file-is-a-fifo": fifo("content/groups/g3.md"),
    "playbook-is-a-fifo": fifo(PB),
    "logo-is-a-fifo": fifo(LOGO),
    "site-yml-is-a-fifo": fifo(SITE_YML),
}


@pytest.mark.parametrize("name", NOT_FILES)
def test_a_file_that_is_not_a_regular_file(project, name: str) -> None:
    path = NOT_FILES[name](project)
    run = project.build()
    assert_refused(run, path)
    assert_unchanged(project.before, project.snapshot())


def test_site_yml_that_is_a_folder(project) -> None:
    (project / SITE_YML).unlink()
    (project / SITE_YML).mkdir()
    assert_refused(project.check(), SITE_YML)


@pytest.mark.skipif(IS_ROOT, reason="root reads a chmod 000 file anyway (the FIFO cases cover CI)")
def test_unreadable_group_file(project) -> None:
    os.chmod(project / G1, 0)
    try:
        run = project.build()
    finally:
        os.chmod(project / G1, 0o644)
    assert_refused(run, G1)
    assert_unchanged(project.before, project.snapshot())
