"""Plan sheets (`plans:` of playbooks and groups): read and checked row by row, then resolved per
group into the row each occurrence reads as `plan`.

Precedence, for one group and one occurrence: a row of the group's own sheets wins over a row of
its playbook's; within one of those, a row naming the group's slug wins over a `tag:` row, which
wins over a row with no `group`. Two rows at one level are an error naming both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import ERROR, WARNING, Diagnostic, Report, did_you_mean
from ..media.images import image_problem
from ..model import Group, GroupPlan, PlanRow, Plans, Project
from ..schedule import group_expansion, group_slots
from ..session import Session
from .fields import check_path
from .fields import fingerprint as digest
from .sheets import Row, Sheet, as_text, read_sheets

REQUIRED = ("slot", ("date", "day"))
KEY_COLUMNS = ("slot", "date", "day", "group")
# A cell that ends like a picture names a file of the project: it must be there.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
MAX_DAY = 3660  # a campaign of ten years, as a group's span
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

RowId = tuple[str, str, int]  # path, sheet, row: one row of one sheet


@dataclass
class PlanFile:
    """What one plan file gave, once per version of its bytes: its rows by the group they name."""

    path: str
    rows: list[PlanRow] = field(default_factory=list)
    by_group: dict[str, list[PlanRow]] = field(default_factory=dict)  # '' | slug | 'tag:X'
    # a hash of each of those lists: a group's plan is worked out again only when one it reads
    # changes (one store's row edited leaves the other stores' plans as they were)
    bucket_digests: dict[str, str] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # "path" or "path, sheet NAME"
    sheet_of: dict[str, str] = field(default_factory=dict)  # sheet name -> its "where"
    columns: frozenset[str] = frozenset()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    digest: str = ""  # of the file's bytes


def reads_of(plan_file: PlanFile, group: Group) -> tuple:
    """What of a file a group's plan depends on: its sheets and columns, and the rows for every
    group, for its slug and for its tags."""
    keys = group_keys(group)
    return (
        plan_file.path,
        tuple(plan_file.sheets),
        tuple(sorted(plan_file.columns)),
        tuple(plan_file.bucket_digests.get(key, "") for key in keys),
    )


def group_keys(group: Group) -> list[str]:
    """The `group` cells whose rows may apply to a group."""
    return ["", group.slug, *(f"tag:{tag}" for tag in group.tags)]


def row_id(row: PlanRow) -> RowId:
    return row.path, row.sheet, row.row


def load_plans(project: Project, session: Session, stamp: str, report: Report) -> Plans:
    """Every plan file a playbook or group names, checked, and each group's rows resolved."""
    root = Path(project.root)
    names: list[str] = []
    for playbook in project.playbooks.values():
        names += [p for p in playbook.plans if p not in names]
    for group in project.groups.values():
        names += [p for p in group.plans if p not in names]
    files: dict[str, PlanFile] = {}
    for path in names:
        try:
            raw = (root / path).read_bytes()
        except OSError:
            continue  # the playbook or group that names it says so
        plan_file = session.validated.get_or_make(  # by a hash of the bytes: a workbook is big
            ("plan", str(root), path, digest(raw), stamp),
            lambda path=path, raw=raw: read_plan(root, path, raw, session),
        )
        report.extend(plan_file.diagnostics)
        files[path] = plan_file
    readers = readers_of(project, files)
    for path, plan_file in files.items():
        check_rows(project, plan_file, readers[path], report)
    faulty = {d.path for d in report.errors}
    groups: dict[str, GroupPlan] = {}
    matched: set[RowId] = set()
    unmatched: dict[RowId, PlanRow] = {}
    for slug in sorted(project.groups):
        group = project.groups[slug]
        sources = sources_of(project, group)
        if not sources:
            continue
        if any(path in faulty or path not in files for path in sources):
            continue  # its sheets have errors: what it would resolve to is noise
        key = (
            "plan-group",
            project.site.fingerprint,
            project.playbook_of(group).fingerprint,
            group.fingerprint,
            project.calendars.fingerprint,
            project.event_names,
            tuple(reads_of(files[path], group) for path in sources),
        )
        hit = session.validated.get(key)
        if hit is None:
            own = Report()
            chosen = [(p, files[p], p in group.plans) for p in sources]
            plan, used, unused = resolve(project, group, chosen, session, own)
            hit = session.validated.put(key, (plan, used, unused, list(own.diagnostics)))
        plan, used, unused, said = hit
        report.extend(said)
        groups[slug] = plan
        matched |= used
        unmatched.update(unused)
    running: dict[str, set[str]] = {}
    for ident, row in sorted(unmatched.items()):
        if ident not in matched:
            path_readers = readers.get(row.path, [])
            if row.path not in running:  # the slots that run on some date for the sheet's groups
                running[row.path] = {
                    o.slot.id
                    for g in path_readers
                    for o in group_expansion(project, g, session.expansions).occurrences
                }
            no_occurrence(project, row, path_readers, running[row.path], report)
    return Plans(groups=groups, files=tuple(names))


# --- reading one file ---------------------------------------------------------------------------


def read_plan(root: Path, path: str, raw: bytes, session: Session) -> PlanFile:
    """The rows of one plan file, each checked on its own (its slot, its date or day, its group,
    the pictures its cells name)."""
    plan_file = PlanFile(path, digest=digest(raw))
    report = Report()
    sheets, problems = read_sheets(path, raw, REQUIRED)
    report.extend(problems)
    columns: set[str] = set()
    pictures: dict[str, list[tuple[str, str]]] = {}
    # the rows of the file's last version in this session: an edit of one cell remakes one row
    earlier: dict[tuple[str, int], Reused] = (
        session.validated.get(("plan-rows", str(root), path)) or {}
    )
    kept: dict[tuple[str, int], Reused] = {}
    for sheet in sheets:
        where = sheet.where()
        plan_file.sheets.append(where)
        plan_file.sheet_of[sheet.label] = where
        columns |= set(sheet.columns)
        seen: dict[tuple[str, object, str], Row] = {}
        for row in sheet.rows:
            position = (sheet.label, row.row)
            known = earlier.get(position)
            if (
                known is not None
                and known.cells == row.cells
                and known.row.columns == sheet.columns
            ):
                found = known.row
                for name, text in known.pictures:
                    if text not in pictures:
                        pictures[text] = picture_problems(root, sheet.path, text, session)
                    for message, hint in pictures[text]:
                        row.error(name, report, message.replace("{column}", name), hint)
            else:
                found = plan_row(root, sheet, row, report, session, pictures)
            if found is None:
                continue
            kept[position] = Reused(
                row.cells,
                found,
                [
                    (n, t)
                    for n, t in found.values.items()
                    if n not in KEY_COLUMNS and names_a_picture(t)
                ]
                if known is None or known.row is not found
                else known.pictures,
            )
            same = (found.slot, found.date or found.day, found.group)
            if same in seen:
                first = seen[same]
                column = "group" if found.group else "date" if found.date else "day"
                row.error(
                    column,
                    report,
                    f"slot '{found.slot}' on {_key_text(found)}"
                    + (f" for {found.group}" if found.group else "")
                    + f" has two rows: {first.describe()} and row {row.row}",
                    "keep one of them (or name a group in the 'group' column of one)",
                )
                continue
            seen[same] = row
            plan_file.rows.append(found)
            plan_file.by_group.setdefault(found.group, []).append(found)
    plan_file.columns = frozenset(columns)
    plan_file.bucket_digests = {
        named: digest([(r.sheet, r.row, r.digest) for r in rows])
        for named, rows in plan_file.by_group.items()
    }
    plan_file.diagnostics = report.diagnostics
    session.validated.put(("plan-rows", str(root), path), kept)
    return plan_file


@dataclass
class Reused:
    """A row as the session last read it: its cells, what it became, the pictures it names."""

    cells: dict
    row: PlanRow
    pictures: list[tuple[str, str]]


def _key_text(row: PlanRow) -> str:
    return str(row.date) if row.date else f"day {row.day}"


def plan_row(
    root: Path,
    sheet: Sheet,
    row: Row,
    report: Report,
    session: Session,
    pictures: dict[str, list[tuple[str, str]]],
) -> PlanRow | None:
    """One row as a PlanRow, or None when it cannot say which occurrence it is for."""
    slot = row.text("slot").strip()
    if not slot:
        row.error(
            "slot", report, "this row has no slot", "write the slot's id in the 'slot' column"
        )
    date = row.date("date", report) if row.has("date") else None
    day = row.integer("day", report, 1, MAX_DAY) if row.has("day") else None
    bad_key = (row.has("date") and date is None) or (row.has("day") and day is None)
    if row.has("date") and row.has("day"):
        row.error(
            "day",
            report,
            "this row gives both a date and a day",
            "give the calendar date or the campaign day, not both",
        )
        bad_key = True
    elif not (row.has("date") or row.has("day")) and slot:
        column = "date" if "date" in sheet.columns else "day"
        row.error(
            column,
            report,
            f"slot '{slot}' has no {column} in this row",
            "write the date as YYYY-MM-DD (or the campaign day as a number)",
        )
        bad_key = True
    group = group_of(row, report)
    cells = row.cells
    values = {name: as_text(cells[name]) if name in cells else "" for name in sheet.columns}
    for name, text in values.items():
        if name not in KEY_COLUMNS and names_a_picture(text):
            if text not in pictures:  # a photo is named by many rows: checked once
                pictures[text] = picture_problems(root, sheet.path, text, session)
            for message, hint in pictures[text]:
                row.error(name, report, message.replace("{column}", name), hint)
    if not slot or bad_key or group is None:
        return None
    return PlanRow(
        path=sheet.path,
        sheet=sheet.label,
        row=row.row,
        slot=slot,
        date=date,
        day=day or 0,
        group=group,
        values=values,
        columns=sheet.columns,
        # of what the row says, not where it is: moving it leaves its outputs as they were
        digest=hashlib.blake2b(
            "\x1f".join([slot, str(date), str(day), group, *values, *values.values()]).encode(
                "utf-8", "surrogatepass"
            ),
            digest_size=16,
        ).hexdigest(),
    )


def group_of(row: Row, report: Report) -> str | None:
    """The `group` cell: '' (every group), a slug, or 'tag:NAME' (full-width colon allowed)."""
    text = unicodedata.normalize("NFKC", row.text("group")).strip()
    if not text:
        return ""
    if text.lower().startswith("tag:"):
        name = text[4:].strip()
        if not name:
            row.error("group", report, "'tag:' names no tag", "write e.g. tag:杭州")
            return None
        return f"tag:{name}"
    return text


def names_a_picture(text: str) -> bool:
    return "." in text[-5:] and "\n" not in text and text.lower().endswith(IMAGE_SUFFIXES)


def picture_problems(root: Path, path: str, text: str, session: Session) -> list[tuple[str, str]]:
    """What is wrong with a picture a cell names, as (message, hint): outside the project,
    missing, or not a picture Playpress can place. Empty when it is fine."""
    said = Report()
    found = check_path(root, text, said, path, 0, "{column}")
    problems = [
        (d.message.replace("'{column}'", "'{column}' cell"), d.hint) for d in said.diagnostics
    ]
    if found:
        absolute = str(root / found)
        info = os.stat(absolute)
        problem = session.validated.get_or_make(
            ("image", absolute, info.st_size, info.st_mtime_ns), lambda: image_problem(absolute)
        )
        if problem:
            problems.append(
                (
                    f"'{{column}}' names '{text}', which {problem}",
                    "use a PNG or JPEG picture (export it again from the app that made it)",
                )
            )
    return problems


# --- checks that need the groups reading a file -------------------------------------------------


def sources_of(project: Project, group: Group) -> list[str]:
    """A group's plan files in precedence order, lowest first: its playbook's, then its own."""
    own = list(group.plans)
    return [p for p in project.playbook_of(group).plans if p not in own] + own


def readers_of(project: Project, files: dict[str, PlanFile]) -> dict[str, list[Group]]:
    readers: dict[str, list[Group]] = {path: [] for path in files}
    for slug in sorted(project.groups):
        group = project.groups[slug]
        for path in sources_of(project, group):
            if path in readers:
                readers[path].append(group)
    return readers


def check_rows(project: Project, plan_file: PlanFile, readers: list[Group], report: Report) -> None:
    """Rows against the playbooks and groups that read the file: a slot none of them has, a day
    after every reader's last day, a group or tag that does not read the file."""
    path = plan_file.path
    known_slots: set[str] = set()
    for playbook in project.playbooks.values():
        if path in playbook.plans:
            known_slots |= {slot.id for slot in playbook.sop}
    for group in readers:
        known_slots |= {slot.id for slot in project.playbook_of(group).sop}
        known_slots |= {slot.id for slot in group.sop_add}
    longest = max((group.days for group in readers), default=0)
    slugs = {group.slug for group in readers}
    tags = {tag for group in readers for tag in group.tags}
    for row in plan_file.rows:
        if row.slot not in known_slots:
            report.add(
                _at(
                    row,
                    "slot",
                    ERROR,
                    f"unknown slot '{row.slot}'",
                    did_you_mean(row.slot, known_slots)
                    if known_slots
                    else "the playbooks reading this sheet have no slots",
                )
            )
        if row.day and readers and row.day > longest:
            report.add(
                _at(
                    row,
                    "day",
                    ERROR,
                    f"day {row.day} is after the last day of every group reading this sheet "
                    f"(the longest runs {longest} days)",
                    "fix the day, or lengthen a group with 'days'",
                )
            )
        if row.group.startswith("tag:"):
            tag = row.group[4:]
            if tag not in tags:
                everywhere = {t for g in project.groups.values() for t in g.tags}
                report.add(
                    _at(
                        row,
                        "group",
                        WARNING,
                        f"no group reading this sheet has the tag '{tag}'",
                        "the row is not used; "
                        + (
                            did_you_mean(tag, tags | everywhere)
                            if tags | everywhere
                            else "give groups tags: [NAME]"
                        ),
                    )
                )
        elif row.group and row.group not in slugs:
            hint = (
                f"add {path} to the 'plans' of group '{row.group}'"
                if row.group in project.groups
                else did_you_mean(row.group, slugs or project.groups)
            )
            what = (
                "does not read this sheet"
                if row.group in project.groups
                else "is not a group of this project"
            )
            report.add(
                _at(
                    row,
                    "group",
                    WARNING,
                    f"group '{row.group}' {what}",
                    f"the row is not used; {hint}",
                )
            )


def _at(row: PlanRow, column: str, severity: str, message: str, hint: str = "") -> Diagnostic:
    """A problem at a row's cell: path:ROW:COL, naming the sheet when the workbook has several."""
    if row.sheet:
        message = f"{message} in sheet {row.sheet}"
    return Diagnostic(row.path, row.row, row.columns.get(column, 0), severity, message, hint)


# --- one group's rows ---------------------------------------------------------------------------

Level = tuple[int, int]  # (own sheet, slug 2 / tag 1 / every group 0): higher wins


def applies(row: PlanRow, group: Group) -> int:
    """How closely a row names the group: 2 its slug, 1 one of its tags, 0 every group; -1 not."""
    if not row.group:
        return 0
    if row.group == group.slug:
        return 2
    if row.group.startswith("tag:") and row.group[4:] in group.tags:
        return 1
    return -1


def candidates(
    group: Group, sources: Iterable[tuple[str, PlanFile, bool]]
) -> dict[tuple[str, dt.date], list[tuple[Level, PlanRow]]]:
    """Every row that could give one of the group's (slot, date) its plan, with its level."""
    found: dict[tuple[str, dt.date], list[tuple[Level, PlanRow]]] = {}
    for _path, plan_file, own in sources:
        for named in group_keys(group):
            for row in plan_file.by_group.get(named, ()):
                spec = applies(row, group)
                if row.date is not None:
                    date = row.date
                elif 1 <= row.day <= group.days:
                    date = group.start + dt.timedelta(days=row.day - 1)
                else:
                    continue
                found.setdefault((row.slot, date), []).append(((int(own), spec), row))
    return found


def resolve(
    project: Project,
    group: Group,
    sources: list[tuple[str, PlanFile, bool]],
    session: Session,
    report: Report,
) -> tuple[GroupPlan, set[RowId], dict[RowId, PlanRow]]:
    """The group's plan: for each (slot, date) the row that wins; which rows match one of its
    occurrences, and which rows applying to it (inside its span) match none. Two rows at one
    level are reported."""
    found = candidates(group, sources)
    duplicates(found, group, report)
    rows: dict[tuple[str, dt.date], PlanRow] = {}
    for key, options in found.items():
        rows[key] = max(options, key=lambda option: option[0])[1]
    occurring = {
        (o.slot.id, o.date) for o in group_expansion(project, group, session.expansions).occurrences
    }
    slots = {slot.id for slot in group_slots(project.playbook_of(group), group)}
    used: set[RowId] = set()
    unused: dict[RowId, PlanRow] = {}
    for key, options in found.items():
        in_span = group.start <= key[1] <= group.end and key[0] in slots
        for _level, row in options:
            if key in occurring:
                used.add(row_id(row))
            elif in_span:
                unused[row_id(row)] = row
    fill_in: dict[str, tuple[str, str]] = {}
    for _path, plan_file, _own in reversed(sources):  # the group's own sheets first
        rows_read = (r for key in group_keys(group) for r in plan_file.by_group.get(key, ()))
        order = {label: n for n, label in enumerate(plan_file.sheet_of)}  # as the workbook has them
        for row in sorted(rows_read, key=lambda r: (order.get(r.sheet, 0), r.row)):
            if row.slot in slots and row.slot not in fill_in:
                where = plan_file.sheet_of.get(row.sheet, plan_file.path)
                fill_in[row.slot] = (plan_file.path, where)
    sheets = tuple(
        (plan_file.path, where)
        for _p, plan_file, _o in reversed(sources)
        for where in plan_file.sheets
    )
    columns = frozenset().union(*(plan_file.columns for _p, plan_file, _o in sources))
    plan = GroupPlan(
        rows=rows,
        sheets=sheets,
        columns=columns,
        fill_in=fill_in,
        # what its outputs and checks depend on: the rows its occurrences use (not the others),
        # and the sheets and columns a marker's warning names
        fingerprint=digest(
            sorted((k, r.digest) for k, r in rows.items() if k in occurring),
            sorted(columns),
            sorted(fill_in.items()),
            sheets,
        ),
    )
    return plan, used, unused


def duplicates(
    found: dict[tuple[str, dt.date], list[tuple[Level, PlanRow]]], group: Group, report: Report
) -> None:
    """Two rows at one level for one of the group's (slot, date): an error naming both. (Two
    rows of one sheet with the same slot, date and group are said when the sheet is read.)"""
    for (slot, date), options in sorted(found.items(), key=lambda item: item[0]):
        by_level: dict[Level, list[PlanRow]] = {}
        for level, row in options:
            by_level.setdefault(level, []).append(row)
        for same in by_level.values():
            if len(same) < 2:
                continue
            same.sort(key=lambda r: (r.path, r.sheet, r.row))
            first, second = same[0], same[1]
            if (
                first.path == second.path
                and first.sheet == second.sheet
                and (
                    (first.date or first.day, first.group)
                    == (second.date or second.day, second.group)
                )
            ):
                continue  # said by read_plan
            column = "group" if second.group else "date" if second.date else "day"
            report.add(
                _at(
                    second,
                    column,
                    ERROR,
                    f"slot '{slot}' on {date} for group '{group.slug}' has two rows at one level: "
                    f"{first.where()} and {second.where()}",
                    "keep one, or name the group (or a tag) in the 'group' column of the one that "
                    "should win",
                )
            )


def no_occurrence(
    project: Project, row: PlanRow, readers: list[Group], running: set[str], report: Report
) -> None:
    """A row inside a reading group's span whose slot does not run on its date (a slot that runs
    on no date at all, a `when` naming no date its groups know, is said at the slot: once)."""
    slot = next(
        (s for g in readers for s in group_slots(project.playbook_of(g), g) if s.id == row.slot),
        None,
    )
    if slot is None:
        return  # an unknown slot, said already; or a slot every reader skips
    if row.slot not in running:
        return
    when = f"{row.date} ({WEEKDAY_NAMES[row.date.weekday()]})" if row.date else f"day {row.day}"
    report.add(
        _at(
            row,
            "date" if row.date else "day",
            WARNING,
            f"slot '{row.slot}' does not run on {when}",
            f"no group reading the sheet uses the row; '{row.slot}' runs '{slot.when.text}': "
            "fix the date or the slot",
        )
    )
