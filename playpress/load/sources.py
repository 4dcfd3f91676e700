"""Which project files are read: regular files inside the project, each other kind of entry said.

A group file that is a folder, a link to nothing or to outside the project, a FIFO (reading it would
wait forever) or a device is an error naming it, never skipped in silence or read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..diagnostics import Report

HINT = "make it a plain file inside the project (copy it in instead of linking it)"


def entry_problem(root: Path, relpath: str) -> str:
    """What keeps a project file from being read ('' when it is a regular file inside the project,
    'missing' when there is nothing at all)."""
    path = root / relpath
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        try:
            real = path.resolve(strict=True)
        except FileNotFoundError:
            return "is a link to a file that does not exist"
        except (OSError, RuntimeError):  # a loop of links
            return "is a link that leads nowhere (a loop of links)"
        if not real.is_relative_to(root.resolve()):
            return "is a link to a file outside the project"
        info = os.stat(real)
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a pipe, socket or device)"
    return ""


def folder_problem(root: Path, relpath: str) -> str:
    """What keeps a project folder from being read ('' when fine or absent)."""
    path = root / relpath
    if not os.path.lexists(path):
        return ""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "is a link that leads nowhere"
    if not real.is_relative_to(root.resolve()):
        return "is a link to a folder outside the project"
    if not real.is_dir():
        return "is not a folder"
    return ""


def readable(root: Path, relpath: str, report: Report) -> bool:
    """True for a regular file inside the project; any other entry is reported (missing: False)."""
    problem = entry_problem(root, relpath)
    if problem and problem != "missing":
        report.error(relpath, 0, f"{relpath} {problem}", HINT)
    return not problem


def markdown_names(root: Path, folder: str, report: Report) -> list[str]:
    """The Markdown files of a folder (hidden ones left out), sorted; entries that cannot be read
    are reported and left out."""
    problem = folder_problem(root, folder)
    if problem:
        report.error(folder, 0, f"{folder}/ {problem}", HINT)
        return []
    try:
        with os.scandir(root / folder) as listing:
            names = sorted(
                e.name for e in listing if e.name.endswith(".md") and not e.name.startswith(".")
            )
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [f"{folder}/{name}" for name in names if readable(root, f"{folder}/{name}", report)]
