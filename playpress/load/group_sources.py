"""Where groups are written: content/groups/**/*.md, rows of sheets (content/groups.csv|.xlsx and
any sheet under content/groups/), and the folder defaults (`_defaults.yml`) each one gets.

A row of a sheet becomes the same mapping a group file's front matter is (load/sheets.py), so one
schema (load/groups.py) validates both; the folder defaults are merged into that mapping first,
each key remembering the file it is written in, so a problem names the `_defaults.yml` line when
the value came from there.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import ERROR, Diagnostic, Report
from .reader import YamlMap
from .sheets import Row, SheetMap, as_text, read_sheets
from .sources import HINT, folder_problem, readable

GROUPS_DIR = "content/groups"
GROUP_SHEETS = ("content/groups.csv", "content/groups.xlsx")
SHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
DEFAULTS_FILE = "_defaults.yml"
SHEET_COLUMNS = ("slug", "name")  # row 1 of a sheet of groups names at least these
LIST_KEYS = frozenset({"tags", "sop_skip"})
DATE_KEYS = frozenset({"start", "end", "qr_expires"})
MERGED_KEYS = ("people", "vars", "brand")  # mappings that defaults merge into key by key
MAX_DEPTH = 8  # sub-folders of content/groups/ read
# what the site-wide outputs take at the top of dist/: no group may be named like one
SITE_FOLDERS = frozenset({"index.html", "join", "people", "days", "tags", "scrm", "fonts"})


@dataclass
class GroupFiles:
    """The files groups are read from, sorted: group files, sheets, and folder defaults."""

    markdown: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)  # folder -> its _defaults.yml

    def chain(self, path: str) -> tuple[str, ...]:
        """The defaults files a group file or sheet gets, outermost first (content/groups.xlsx gets
        content/groups/_defaults.yml, as a file directly in content/groups/ does)."""
        folder = GROUPS_DIR if path in GROUP_SHEETS else os.path.dirname(path)
        found: list[str] = []
        parts = folder.split("/")
        for depth in range(2, len(parts) + 1):
            defaults = self.defaults.get("/".join(parts[:depth]))
            if defaults:
                found.append(defaults)
        return tuple(found)

    @property
    def all(self) -> list[str]:
        return sorted([*self.markdown, *self.sheets, *self.defaults.values()])


def scan_groups(root: Path, report: Report) -> GroupFiles:
    """content/groups/ and its sub-folders (hidden files, Excel's `~$` lock files and symbolic
    links to folders left out), and content/groups.csv|.xlsx. A file that cannot be read (a pipe,
    a link out of the project, a folder named like a sheet) is reported and left out."""
    files = GroupFiles()
    files.sheets += [p for p in GROUP_SHEETS if readable(root, p, report)]
    problem = folder_problem(root, GROUPS_DIR)
    if problem:
        report.error(GROUPS_DIR, 0, f"{GROUPS_DIR}/ {problem}", HINT)
        return files
    pending = [(GROUPS_DIR, 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            with os.scandir(root / folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            name = entry.name
            if name.startswith((".", "~$")):
                continue
            path = f"{folder}/{name}"
            wanted = name == DEFAULTS_FILE or name.endswith(".md")
            wanted = wanted or name.lower().endswith(SHEET_SUFFIXES)
            if entry.is_dir(follow_symlinks=False) and not wanted:
                if depth + 1 < MAX_DEPTH:
                    pending.append((path, depth + 1))
                continue
            if not wanted:
                continue
            if not readable(root, path, report):
                continue
            if name == DEFAULTS_FILE:
                files.defaults[folder] = path
            elif name.endswith(".md"):
                files.markdown.append(path)
            elif name.lower().endswith(SHEET_SUFFIXES):
                files.sheets.append(path)
    files.markdown.sort()
    files.sheets.sort()
    return files


def digest(*parts: bytes | str) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


# --- folder defaults -----------------------------------------------------------------------


def owned(data: Mapping[str, Any], path: str) -> YamlMap:
    """A copy of a defaults mapping whose every key (and every key of its merged mappings)
    remembers that it is written in `path`."""
    result = _like(data)
    paths: dict[str, str] = result.key_paths  # type: ignore[attr-defined]
    for key, value in data.items():
        if key in MERGED_KEYS and isinstance(value, dict):
            value = owned(value, path)
        result[key] = value
        result.key_marks[key] = _mark(data, key)
        paths[key] = path
    return result


def overlay(base: Mapping[str, Any], top: Mapping[str, Any]) -> YamlMap:
    """`top` over `base`: the mappings of MERGED_KEYS merge key by key, lists and values of `top`
    replace those of `base`. Keys keep their marks and the files they are written in."""
    result = _like(top)
    paths: dict[str, str] = result.key_paths  # type: ignore[attr-defined]
    base_paths = getattr(base, "key_paths", {})
    top_paths = getattr(top, "key_paths", {})
    for key, value in base.items():
        if key not in top:
            result[key] = value
            result.key_marks[key] = _mark(base, key)
            if key in base_paths:
                paths[key] = base_paths[key]
    for key, value in top.items():
        below = base.get(key)
        if key in MERGED_KEYS and isinstance(value, dict) and isinstance(below, dict):
            value = overlay(below, value)
        result[key] = value
        result.key_marks[key] = _mark(top, key)
        if key in top_paths:
            paths[key] = top_paths[key]
    return result


def _like(data: Mapping[str, Any]) -> YamlMap:
    """An empty mapping of the same kind and place as `data` (a sheet row keeps its sheet)."""
    result: YamlMap
    if isinstance(data, SheetMap):
        result = SheetMap(data.sheet, data.line, data.col)
    else:
        result = YamlMap()
        result.line, result.col = getattr(data, "line", 0), getattr(data, "col", 0)
    result.key_paths = {}  # type: ignore[attr-defined]
    return result


def _mark(data: Mapping[str, Any], key: str) -> tuple[int, int]:
    marks = getattr(data, "key_marks", {})
    return marks.get(key, (getattr(data, "line", 0), getattr(data, "col", 0)))


# --- sheets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One group row of a sheet, as much as deciding whether its group is current needs: the
    mapping itself is made only when the row is validated again."""

    slug: str
    row: int
    col: int  # of the slug cell
    sheet: str  # the sheet's name when the workbook has several, else ''
    playbook: str  # as written in the row ('' when the defaults give it)
    digest: str  # of the row's cells: what the group's outputs are made from
    sheet_index: int
    row_index: int

    def where(self, path: str) -> str:
        sheet = f" (sheet {self.sheet})" if self.sheet else ""
        return f"{path}:{self.row}{sheet}"


def sheet_groups(path: str, raw: bytes) -> tuple[list[SheetRow], list[Diagnostic], list[list[Row]]]:
    """The group rows of a sheet file, its problems, and the rows themselves."""
    sheets, problems = read_sheets(path, raw, SHEET_COLUMNS)
    found: list[SheetRow] = []
    rows: list[list[Row]] = []
    for sheet_index, sheet in enumerate(sheets):
        rows.append(sheet.rows)
        for row_index, row in enumerate(sheet.rows):
            slug = row.text("slug").strip()
            if not slug:
                problems.append(
                    row.diagnostic(
                        "slug",
                        ERROR,
                        "the row has no 'slug'",
                        "give each group row a slug: letters, digits, '-' and '_', e.g. shop-1 "
                        "(it names the group's output folder)",
                    )
                )
                continue
            cells = sorted(
                (name, type(value).__name__, as_text(value)) for name, value in row.cells.items()
            )
            found.append(
                SheetRow(
                    slug,
                    row.row,
                    row.col_of("slug"),
                    sheet.label,
                    row.text("playbook").strip(),
                    digest(repr((cells, sheet.date1904))),
                    sheet_index,
                    row_index,
                )
            )
    return found, problems, rows


def row_mapping(row: Row) -> SheetMap:
    """A group row as the mapping a group file's front matter is (its slug left out)."""
    data = row.mapping(lists=LIST_KEYS, dates=DATE_KEYS)
    data.pop("slug", None)
    return data
