"""One-file cases judged together: many broken group and playbook files, one `check` run.

Each case is still judged as if alone: when the shared run did not crash and shows the case's
error, the case passes at once; otherwise the case runs by itself on the base project and is
judged on that run (so a crash caused by one case never hides or fails the others).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .harness import Project, Run, assert_no_crash, assert_refused, dedent
from .projects import G1, G2, GROUP_1, GROUP_2, PB, PLAYBOOK, base_files

BASE_TEXT = {G1: dedent(GROUP_1), G2: dedent(GROUP_2), PB: dedent(PLAYBOOK)}


@dataclass(frozen=True)
class FileCase:
    """Replace `old` by `new` in one file of the base project (a group or the playbook)."""

    file: str
    old: str
    new: str
    needle: str = ""  # the line the error points at; default: the first line of `new`
    near: int = 0  # ... or up to `near` lines above it (the list item that holds the key)

    def text(self) -> str:
        base = BASE_TEXT[self.file]
        assert self.old in base, f"{self.file} has no {self.old!r}: the case is out of date"
        return base.replace(self.old, self.new, 1)

    def lines(self, text: str) -> range:
        needle = self.needle or self.new.split("\n")[0].strip()
        for number, line in enumerate(text.split("\n"), 1):
            if needle in line:
                return range(number - self.near, number + 1)
        raise AssertionError(f"no line with {needle!r}")

    def apply(self, project: Project) -> range:
        text = self.text()
        project.write(self.file, text, raw=True)
        return self.lines(text)


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "case"


def write_batch(root: Path, cases: dict[str, FileCase]) -> dict[str, tuple[str, range]]:
    """The base project plus one file per case (and a group for each broken playbook)."""
    project = Project(root)
    for relpath, content in base_files().items():
        project.write(relpath, content)
    where: dict[str, tuple[str, range]] = {}
    group_text = BASE_TEXT[G1]
    for name, case in cases.items():
        text = case.text()
        if case.file == PB:
            relpath = f"playbooks/{slug(name)}.md"
            project.write(
                f"content/groups/{slug(name)}.md",
                group_text.replace("playbook: course", f"playbook: {slug(name)}"),
                raw=True,
            )
        else:
            relpath = f"content/groups/{slug(name)}.md"
        project.write(relpath, text, raw=True)
        where[name] = (relpath, case.lines(text))
    return where


@dataclass
class Batch:
    run: Run
    where: dict[str, tuple[str, range]]

    @property
    def clean(self) -> bool:
        try:
            assert_no_crash(self.run)
        except AssertionError:
            return False
        return self.run.returncode == 1

    def judge(self, name: str, alone: Callable[[], tuple[Run, str, range]]) -> None:
        """Pass on the shared run when it shows the case's error; else judge the case alone."""
        if self.clean:
            relpath, lines = self.where[name]
            try:
                assert_refused(self.run, at=relpath, line=lines)
                return
            except AssertionError:
                pass
        run, relpath, lines = alone()
        assert_refused(run, at=relpath, line=lines)
