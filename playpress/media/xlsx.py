"""Writing .xlsx workbooks: typed cells, a frozen bold header, fitting widths, stable bytes."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import xlsxwriter

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

# The workbook's created/modified time: a fixed instant, so that the bytes depend on the inputs
# only (xlsxwriter would write the wall-clock time; it already fixes the zip entries' dates to
# 1980-01-01 when it builds the file in memory).
FIXED_TIME = dt.datetime(2000, 1, 1)
MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths in Excel's units (one '0' of the default font)
PADDING = 2
MAX_TEXT = 32_767  # Excel's limit for one cell
LINE_HEIGHT, MAX_ROW_HEIGHT = 15, 409  # points: a line of the default 11-point font; Excel's cap
MAX_EXACT = 10**15  # whole numbers past Excel's 15 significant digits are written as text
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT, DURATION_FORMAT = (
    "yyyy-mm-dd",
    "yyyy-mm-dd hh:mm",
    "hh:mm",
    "[h]:mm",
)


@dataclass(frozen=True)
class Table:
    """One worksheet: its name, a header row and rows of typed cells.

    Cells: str (always a text cell, never a formula), int, float, bool, date, datetime, time,
    timedelta (a duration), None (empty). Time-zone-aware datetimes are written as their wall
    time. `widths` overrides the width of columns by index.
    """

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    widths: dict[int, float] | None = None


@lru_cache(
    maxsize=8192
)  # a pure function; a sheet repeats its texts (copy, weekdays) row after row
def display_width(text: str) -> int:
    """Columns a text takes: CJK and other wide characters count double, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 0
        if unicodedata.combining(ch)
        else 1
        for ch in text
    )


def sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts: no []:*?/\\, at most 31 characters, unique ignoring case."""
    base = SHEET_NAME_BAD.sub("_", name).strip("'").strip() or "Sheet"
    candidate, number = base[:31], 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def shown(value: Cell) -> str:
    """A cell as Excel shows it with this module's formats: for measuring the column's width."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "FALSE" if not value else "TRUE"
    if isinstance(value, dt.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, dt.date):
        return "0000-00-00"
    if isinstance(value, dt.time):
        return "00:00"
    if isinstance(value, dt.timedelta):
        return f"{int(value.total_seconds()) // 3600}:00"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def workbook_bytes(
    tables: Sequence[Table], title: str = "", created: dt.datetime = FIXED_TIME
) -> bytes:
    """The workbook as bytes: the same bytes for the same tables, title and time."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,  # also fixes the zip entries' dates
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    book.set_properties({"title": title, "created": created})
    formats = {
        "header": book.add_format({"bold": True, "valign": "top", "bottom": 1}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "text": book.add_format({"valign": "top"}),
        "date": book.add_format({"num_format": DATE_FORMAT, "valign": "top"}),
        "datetime": book.add_format({"num_format": DATETIME_FORMAT, "valign": "top"}),
        "time": book.add_format({"num_format": TIME_FORMAT, "valign": "top"}),
        "duration": book.add_format({"num_format": DURATION_FORMAT, "valign": "top"}),
    }
    taken: set[str] = set()
    for table in tables:
        _write_table(book.add_worksheet(sheet_name(table.name, taken)), table, formats)
    book.close()
    return buffer.getvalue()


def _widths(table: Table) -> list[float]:
    count = max([len(table.header)] + [len(row) for row in table.rows])
    widths = [0.0] * count
    for index, name in enumerate(table.header):
        widths[index] = display_width(str(name)) * 1.1  # bold is wider
    for row in table.rows:
        for index, value in enumerate(row):
            text = shown(value)
            width = max(map(display_width, text.split("\n"))) if text else 0
            if width > widths[index]:
                widths[index] = width
    result = [min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(w) + PADDING)) for w in widths]
    for index, width in (table.widths or {}).items():
        if 0 <= index < count:
            result[index] = width
    return result


def _write_table(
    sheet: xlsxwriter.worksheet.Worksheet,
    table: Table,
    formats: dict[str, xlsxwriter.format.Format],
) -> None:
    widths = _widths(table)
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    for col, name in enumerate(table.header):
        sheet.write_string(0, col, str(name), formats["header"])
    for number, row in enumerate(table.rows, start=1):
        lines = max(
            [
                _write_cell(sheet, number, col, value, widths[col], formats)
                for col, value in enumerate(row)
            ]
            or [1]
        )
        if lines > 1:  # LibreOffice keeps the default height for wrapped text: set it
            sheet.set_row(number, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
    sheet.freeze_panes(1, 0)
    if table.header:
        sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.header) - 1)


def _write_cell(
    sheet: xlsxwriter.worksheet.Worksheet,
    row: int,
    col: int,
    value: Cell,
    width: float,
    formats: dict[str, xlsxwriter.format.Format],
) -> int:
    """Writes the cell; returns the lines it takes at the column's width."""
    if value is None:
        return 1
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, formats["text"])
    elif isinstance(value, int) and abs(value) < MAX_EXACT:
        sheet.write_number(row, col, value, formats["text"])
    elif isinstance(value, float) and math.isfinite(value):
        sheet.write_number(row, col, value, formats["text"])
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, formats["date"])
    elif isinstance(value, dt.time):
        sheet.write_datetime(row, col, value, formats["time"])
    elif isinstance(value, dt.timedelta):
        sheet.write_datetime(row, col, value, formats["duration"])
    else:
        # write_string makes a text cell whatever the text: '=SUM(A1)', '+1', '-', '@x' stay text
        text = str(value)[:MAX_TEXT]
        room = max(1.0, width - PADDING)
        lines = sum(max(1, math.ceil(display_width(line) / room)) for line in text.split("\n"))
        sheet.write_string(row, col, text, formats["wrap" if lines > 1 else "text"])
        return lines
    return 1
