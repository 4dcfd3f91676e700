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


def sop_csv(job: Job) -> bytes:
    """One row per occurrence; UTF-8 with a byte-order mark so Excel shows Chinese."""
    group = job.group
    weekdays = job.labels()["weekdays"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    items = entries(job)
    marks = day_marks_of(job, sorted({entry.occurrence.date for entry in items}))
    for entry in items:
        occurrence = entry.occurrence
        writer.writerow(
            csv_cell(cell)
            for cell in [
                occurrence.date.isoformat(),
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
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
