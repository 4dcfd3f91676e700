"""sop.csv: one row per post, for Excel and SCRM imports (UTF-8 with a byte-order mark, RFC
4180)."""

from __future__ import annotations

import csv
import io

from .job import Job
from .posts import entries

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
)


def csv_rows(job: Job, typed: bool = False) -> list[list[object]]:
    """sop.csv's rows (sop.xlsx writes the same): the date as text, or as a date when `typed`."""
    group = job.group
    weekdays = job.labels()["weekdays"]
    rows: list[list[object]] = []
    for entry in entries(job):
        occurrence = entry.occurrence
        rows.append(
            [
                occurrence.date if typed else occurrence.date.isoformat(),
                entry.time,
                weekdays[occurrence.date.weekday()],
                entry.phase.name if entry.phase else "",
                entry.slot.kind,
                entry.slot.post,
                entry.role,
                entry.person,
                entry.poster,
                entry.copy,
                occurrence.day,
                entry.slot.id,
                entry.slot.note,
                group.timezone,
            ]
        )
    return rows


def sop_csv(job: Job) -> bytes:
    """One row per occurrence; UTF-8 with a byte-order mark so Excel shows Chinese; RFC 4180
    quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(job))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
