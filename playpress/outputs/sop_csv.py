"""sop.csv: one row per post, for Excel and SCRM imports (UTF-8 with a byte-order mark, RFC
4180).

Cells a spreadsheet would run as a formula are neutralised by the OWASP rule (a leading "'");
sop.xlsx writes every text as text instead, for imports that must see the copy exactly."""

from __future__ import annotations

import csv
import io

from ..media.csvcell import csv_cell
from .job import Job
from .posts import day_marks_of, entries

CSV_COLUMNS = (
    "date",
    "time",
    "weekday",
    "phase",
    "kind",
    "post",
    "owner",
    "person",
    "poster",
    "copy",
    "day",
    "slot",
    "note",
    "timezone",
    "holiday",  # the day's mark: 元旦（休）, 春节后（班）, Christmas Day (off)
)


def csv_rows(job: Job, typed: bool = False) -> list[list[object]]:
    """sop.csv's rows (sop.xlsx writes the same): the date as text, or as a date when `typed`."""
    group = job.group
    weekdays = job.labels()["weekdays"]
    rows: list[list[object]] = []
    items = entries(job)
    marks = day_marks_of(job, sorted({entry.occurrence.date for entry in items}))
    for entry in items:
        occurrence = entry.occurrence
        rows.append(
            [
                occurrence.date if typed else occurrence.date.isoformat(),
                entry.time,
                weekdays[occurrence.date.weekday()],
                entry.phase.name if entry.phase else "",
                entry.slot.kind,
                entry.post,
                entry.role,
                entry.person,
                entry.poster,
                entry.copy,
                occurrence.day,
                entry.slot.id,
                entry.slot.note,
                group.timezone,
                marks.get(occurrence.date, ""),
            ]
        )
    return rows


def sop_csv(job: Job) -> bytes:
    """One row per occurrence; UTF-8 with a byte-order mark so Excel shows Chinese; RFC 4180
    quoting; cells a spreadsheet would run as formulas neutralised (OWASP)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([csv_cell(cell) for cell in row] for row in csv_rows(job))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
