"""GROUP/sop.xlsx: the SOP as an Excel workbook: sop.csv's columns and rows, dates as real dates,
the copy wrapped, widths that fit, a frozen bold header; the same bytes for the same inputs."""

from __future__ import annotations

from ..media.xlsx import Table, workbook_bytes
from .job import Job
from .sop_csv import CSV_COLUMNS, csv_rows

COPY_WIDTH = 48  # the copy column wraps at this width rather than growing to the cap


def sop_xlsx(job: Job) -> bytes:
    group = job.group
    rows = csv_rows(job, typed=True)  # text cells never formulas: media.xlsx writes strings
    widths = {CSV_COLUMNS.index("copy"): COPY_WIDTH}
    table = Table(job.labels()["sop_calendar"], CSV_COLUMNS, rows, widths)
    return workbook_bytes([table], title=f"{group.name} · {job.playbook.title}")
