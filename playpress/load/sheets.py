"""Reading sheets (.csv and .xlsx): rows whose every cell knows its row, column and sheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import python_calamine

from ..diagnostics import ERROR, WARNING, Diagnostic, Report, did_you_mean
from .reader import YamlList, YamlMap

# Limits: a sheet past them is refused with a diagnostic before it can use much time or memory.
MAX_FILE_BYTES = 16 * 1024 * 1024  # the file as stored
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # all parts of a workbook, uncompressed (zip bombs)
MAX_ZIP_ENTRIES = 2_000  # parts of a workbook
MAX_ROWS = 50_000  # rows of one sheet, the header included
MAX_COLUMNS = 200  # columns of one sheet
MAX_CELLS = 1_000_000  # rows x columns of one sheet's used area

LIST_SEPARATORS = re.compile(r"[;；]")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook or an Excel 97-2003 .xls
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

Required = Sequence[str | tuple[str, ...]]  # a column name, or alternatives of which one is enough


# --- what reading gives --------------------------------------------------------------------


class SheetMap(YamlMap):
    """A row (or the dotted part of one) shaped as the YAML reader's mapping, naming its sheet."""

    def __init__(self, sheet: str = "", line: int = 0, col: int = 0) -> None:
        # What YamlMap.__init__ sets, set here at once: a sheet of 2,000 groups makes 8,000 of
        # these, and the chain of __init__ calls was a fifth of the time.
        self.line, self.col = line, col
        self.key_marks: dict[Any, tuple[int, int]] = {}
        self.sheet = sheet  # '' unless the workbook has several sheets


class SheetList(YamlList):
    """A list cell (`tags`: `a; b`) shaped as the YAML reader's list; every item is at the cell."""

    def __init__(self, items: Iterable[Any], sheet: str = "") -> None:
        super().__init__(items)
        self.sheet = sheet


@dataclass(eq=False)
class Sheet:
    """One sheet that has the columns asked for: its columns and its non-empty rows."""

    path: str  # project-relative, as in diagnostics
    name: str  # the sheet's name in the workbook; '' for a CSV file
    several: bool  # the workbook has several sheets, so messages name this one
    columns: dict[str, int]  # column name (dotted as written) -> 1-based column number
    rows: list[Row] = field(default_factory=list)
    date1904: bool = False  # the workbook counts serial dates from 1904 (old Mac Excel)
    hidden: bool = False
    _shapes: dict[tuple, dict[str, tuple[int, tuple[str, ...], str, str]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def label(self) -> str:
        """The sheet's name as messages show it ('' when the file has one sheet)."""
        return self.name if self.several else ""

    def where(self) -> str:
        """The file, and the sheet when it has several: for 'fill the sheet ...' hints."""
        return f"{self.path}, sheet {self.name}" if self.several else self.path

    def shapes(
        self, lists: Collection[str], dates: Collection[str]
    ) -> dict[str, tuple[int, tuple[str, ...], str, str]]:
        """Per column: its number, the mappings its dots reach into, its key, list/date/''."""
        key = (tuple(sorted(lists)), tuple(sorted(dates)))
        shapes = self._shapes.get(key)
        if shapes is None:
            shapes = self._shapes[key] = {
                name: (
                    col,
                    tuple(name.split(".")[:-1]),
                    name.rsplit(".", 1)[-1],
                    "list" if name in lists else "date" if name in dates else "",
                )
                for name, col in self.columns.items()
            }
        return shapes

    def diagnostic(
        self, row: int, col: int, severity: str, message: str, hint: str = ""
    ) -> Diagnostic:
        if self.several:
            message = f"{message} in sheet {self.name}"
        return Diagnostic(self.path, row, col, severity, message, hint)


@dataclass(eq=False, slots=True)
class Row:
    """One row of a sheet: its values by column name (empty cells absent) and its row number."""

    sheet: Sheet
    row: int  # 1-based; the header is row 1
    cells: dict[str, Any]  # str | int | float | bool | dt.date | dt.datetime

    def col_of(self, column: str) -> int:
        return self.sheet.columns.get(column, 0)

    def has(self, column: str) -> bool:
        return column in self.cells

    def value(self, column: str) -> Any:
        return self.cells.get(column)

    def text(self, column: str) -> str:
        """The cell as text ('' when empty): numbers as typed, dates as YYYY-MM-DD."""
        return as_text(self.cells[column]) if column in self.cells else ""

    def date(self, column: str, report: Report) -> dt.date | None:
        """The cell as a date (a date cell, an Excel serial or text); a bad one is reported."""
        if column not in self.cells:
            return None
        try:
            return as_date(self.cells[column], self.sheet.date1904)
        except CellError as exc:
            self.error(column, report, f"'{column}' is {exc.shown}, not a date", exc.hint)
            return None

    def integer(
        self, column: str, report: Report, minimum: int = 1, maximum: int = 100_000
    ) -> int | None:
        """The cell as a whole number from minimum to maximum (a campaign day, say)."""
        if column not in self.cells:
            return None
        try:
            number = as_integer(self.cells[column])
        except CellError as exc:
            self.error(
                column,
                report,
                f"'{column}' is {exc.shown}, not a whole number",
                f"write a whole number from {minimum} to {maximum}",
            )
            return None
        if not minimum <= number <= maximum:
            self.error(
                column,
                report,
                f"'{column}' is {number}",
                f"write a whole number from {minimum} to {maximum}",
            )
            return None
        return number

    def diagnostic(self, column: str, severity: str, message: str, hint: str = "") -> Diagnostic:
        """A problem at this row and the column's cell: path:ROW:COL (and the sheet)."""
        return self.sheet.diagnostic(self.row, self.col_of(column), severity, message, hint)

    def error(self, column: str, report: Report, message: str, hint: str = "") -> None:
        report.add(self.diagnostic(column, ERROR, message, hint))

    def warning(self, column: str, report: Report, message: str, hint: str = "") -> None:
        report.add(self.diagnostic(column, WARNING, message, hint))

    def describe(self) -> str:
        """'row 12' or 'row 12 of sheet 杭州': for messages naming another row."""
        if self.sheet.several:
            return f"row {self.row} of sheet {self.sheet.name}"
        return f"row {self.row}"

    def mapping(self, lists: Collection[str] = (), dates: Collection[str] = ()) -> SheetMap:
        """The row as the YAML reader would give it, so `validate.Section` checks it as a file.

        A dot in a column name reaches into a mapping (`people.assistant`); columns in `lists`
        split on ';' or '；' into a list; numbers and text dates in `dates` columns become dates
        (a bad one stays as written, for the validation to report at its cell). Every key
        remembers (ROW, COL) of its cell; a mapping made of dotted columns sits at its first one.
        """
        sheet, row = self.sheet, self.row
        label = sheet.label
        shapes = sheet.shapes(lists, dates)
        top = SheetMap(label, row, 1)
        for name, value in self.cells.items():
            col, parents, key, kind = shapes[name]
            if kind == "list":
                items = [
                    item for item in map(str.strip, LIST_SEPARATORS.split(as_text(value))) if item
                ]
                value = SheetList(items, label)
                value.line, value.col = row, col
                value.item_marks = [(row, col)] * len(items)
            elif kind == "date":
                try:
                    value = as_date(value, sheet.date1904)
                except CellError:
                    pass
            mark = (row, col)
            target = top
            for part in parents:
                inner = target.get(part)
                if inner.__class__ is not SheetMap:
                    inner = target[part] = SheetMap(label, row, col)
                    target.key_marks[part] = mark
                target = inner
            target[key] = value
            target.key_marks[key] = mark
        return top


# --- cells ---------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that is not what its column needs; `shown` is the value as the user sees it."""

    def __init__(self, value: Any, hint: str = ""):
        self.shown = f"'{as_text(value)}'"
        self.hint = hint
        super().__init__(self.shown)


DATE_HINT = "write the date as YYYY-MM-DD, e.g. 2026-12-01, or make the cell an Excel date"
TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EXCEL_1900 = dt.date(1899, 12, 30)  # serial 0 counting past Excel's phantom 1900-02-29
EXCEL_1904 = dt.date(1904, 1, 1)
MAX_SERIAL = 2_958_465  # 9999-12-31


def as_date(value: Any, date1904: bool = False) -> dt.date:
    """A date cell, an Excel serial number (46357 is 2026-12-01) or text: 2026-12-01, 2026/12/1,
    2026.12.1 or 2026年12月1日. Anything else raises CellError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = int(value)
        if date1904 and 0 <= serial <= MAX_SERIAL - 1462:
            return EXCEL_1904 + dt.timedelta(days=serial)
        if not date1904 and 1 <= serial <= MAX_SERIAL and serial != 60:
            return EXCEL_1900 + dt.timedelta(days=serial + (1 if serial < 60 else 0))
        raise CellError(value, DATE_HINT)
    if isinstance(value, str):
        match = TEXT_DATE.match(value.strip())
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
    raise CellError(value, DATE_HINT)


WHOLE = re.compile(r"^[+-]?\d{1,15}$")


def as_integer(value: Any) -> int:
    """A whole number: a number cell without fraction (16, 16.0) or text such as '16'."""
    if isinstance(value, bool):
        raise CellError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and WHOLE.match(value.strip()):
        return int(value.strip())
    raise CellError(value)


def as_text(value: Any) -> str:
    """A cell as the sheet shows it: text as is, numbers as typed (16, 9.8), dates ISO."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def _number(value: float) -> int | float:
    """An Excel number as typed: whole numbers as int, others to Excel's 15 significant digits."""
    if value != value or value in (float("inf"), float("-inf")):
        return value
    if value.is_integer() and -1e15 < value < 1e15:
        return int(value)
    shown = repr(value)
    return value if len(shown) <= 16 else float(f"{value:.15g}")


def _clock(value: dt.time | dt.timedelta) -> str:
    if isinstance(value, dt.timedelta):  # a duration cell ([h]:mm)
        seconds = int(value.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
    else:
        hours, minutes, seconds = value.hour, value.minute, value.second
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}" if seconds else f"{hours:02d}:{minutes:02d}"


def _xlsx_value(value: Any) -> Any:
    """A calamine cell in the types the YAML reader gives; None for an empty cell."""
    kind = type(value)
    if kind is str:  # a number typed into a Text cell reads as in a CSV file
        return _csv_value(value) if value else None
    if kind is float:
        return _number(value)
    if kind is int or kind is bool or kind is dt.date:
        return value
    if kind is dt.datetime:
        return value.date() if value.time() == dt.time(0) else value
    if kind is dt.time or kind is dt.timedelta:
        return _clock(value)
    return as_text(value).strip() or None


CSV_NUMBER = re.compile(r"^-?\d{1,15}(\.\d{1,15})?$")


def _csv_value(text: str) -> Any:
    """A CSV cell: numbers that print back exactly as typed become numbers ('16', '9.8'), all
    else ('016', '9.80', '+3') stays the text it is."""
    text = text.strip()
    if not text:
        return None
    if CSV_NUMBER.match(text):
        if "." in text:
            number = float(text)
            return number if repr(number) == text else text
        number = int(text)
        return number if str(number) == text else text
    return text


# --- reading -------------------------------------------------------------------------------


def read_sheets(
    path: str, raw: bytes, required: Required = ()
) -> tuple[list[Sheet], list[Diagnostic]]:
    """The sheets of a .csv or .xlsx file that have the required columns, with every problem.

    A CSV file is one sheet. Of a workbook, every worksheet whose first row has all the required
    columns is read; a sheet with some but not all of them is an error, one with none is skipped
    (notes, lookups), and no sheet with them at all is an error.
    """
    if len(raw) > MAX_FILE_BYTES:
        return [], [
            Diagnostic(
                path,
                0,
                0,
                ERROR,
                f"the file is {len(raw) / 2**20:.1f} MB, more than the "
                f"{MAX_FILE_BYTES // 2**20} MB a sheet may have",
                "split it into several sheets, or remove pictures from it",
            )
        ]
    if path.lower().endswith(XLSX_SUFFIXES):
        return _read_workbook(path, raw, required)
    if path.lower().endswith(".csv"):
        return _read_csv(path, raw, required)
    return [], [
        Diagnostic(
            path,
            0,
            0,
            ERROR,
            "not a sheet: the name should end in .csv or .xlsx",
            "save the sheet from Excel as .xlsx, or as CSV",
        )
    ]


def _decode(path: str, raw: bytes) -> tuple[str | None, list[Diagnostic]]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" renamed to .csv
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    if raw.startswith(b"PK\x03\x04") or raw.startswith(OLE2_MAGIC):
        return None, [
            Diagnostic(
                path,
                0,
                0,
                ERROR,
                "not CSV text: this is an Excel workbook",
                "name it .xlsx, or save it from Excel as CSV",
            )
        ]
    if b"\0" in raw:
        return None, [
            Diagnostic(
                path,
                0,
                0,
                ERROR,
                "not CSV text: the file holds binary data",
                "save the sheet from Excel as CSV (UTF-8)",
            )
        ]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:  # what Excel on a Chinese Windows saves as "CSV (逗号分隔)"
        return raw.decode("gb18030"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [
            Diagnostic(
                path,
                line,
                0,
                ERROR,
                f"neither UTF-8 nor GB18030 text (byte 0x{raw[exc.start]:02X} in line {line})",
                "save the sheet from Excel as CSV UTF-8",
            )
        ]


def _delimiter(text: str) -> str:
    """The separator of the header line: Excel writes ';' where the decimal comma is usual."""
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _read_csv(path: str, raw: bytes, required: Required) -> tuple[list[Sheet], list[Diagnostic]]:
    text, problems = _decode(path, raw)
    if text is None:
        return [], problems
    text = text.lstrip("\ufeff")
    sheet = Sheet(path, "", False, {})
    grid: list[list[Any]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for record in reader:
            if len(grid) >= MAX_ROWS:
                return [], [_too_many(sheet, f"more than {MAX_ROWS} rows")]
            if len(record) > MAX_COLUMNS:
                return [], [
                    _too_many(
                        sheet,
                        f"{len(record)} columns in row {len(grid) + 1}, more than {MAX_COLUMNS}",
                    )
                ]
            cells += len(record)
            if cells > MAX_CELLS:
                return [], [_too_many(sheet, f"more than {MAX_CELLS} cells")]
            grid.append(record)
    except csv.Error as exc:  # a cell longer than the csv module's field limit
        return [], [
            Diagnostic(
                path,
                len(grid) + 1,
                0,
                ERROR,
                f"unreadable CSV row: {exc}",
                "save the sheet from Excel as CSV again",
            )
        ]
    return _sheets_from(path, [(sheet, grid)], required, _csv_value, one_file=True)


TOO_LARGE_HINT = (
    f"sheets are read up to {MAX_ROWS} rows, {MAX_COLUMNS} columns and {MAX_CELLS} "
    "cells; split it into several"
)


def _too_many(sheet: Sheet, what: str) -> Diagnostic:
    return sheet.diagnostic(0, 0, ERROR, f"too large a sheet: {what}", TOO_LARGE_HINT)


def _read_workbook(
    path: str, raw: bytes, required: Required
) -> tuple[list[Sheet], list[Diagnostic]]:
    problem, date1904 = _open_zip(path, raw)
    if problem is not None:
        return [], [problem]
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = [meta.name for meta in book.sheets_metadata]
        several = len(names) > 1
        found: list[tuple[Sheet, list[list[Any]]]] = []
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = Sheet(
                path,
                meta.name,
                several,
                {},
                date1904=date1904,
                hidden=meta.visible != python_calamine.SheetVisibleEnum.Visible,
            )
            table = book.get_sheet_by_name(meta.name)
            grid = table.to_python(skip_empty_area=False)
            _fill_merged(grid, table.merged_cell_ranges or ())
            found.append((sheet, grid))
    except Exception as exc:  # noqa: BLE001 - calamine's errors and pyo3 panics of hostile files
        return [], [_damaged(path, exc)]
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        return [], [_damaged(path, exc)]
    return _sheets_from(path, found, required, _xlsx_value, one_file=not several)


def _damaged(path: str, exc: BaseException) -> Diagnostic:
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return Diagnostic(
        path,
        0,
        0,
        ERROR,
        f"the workbook is damaged and cannot be read ({reason})",
        "open it in Excel and save it again as .xlsx",
    )


def _open_zip(path: str, raw: bytes) -> tuple[Diagnostic | None, bool]:
    """The workbook's zip checked before any reader opens it: sizes, parts, and in every part
    what would make a reader reserve memory past the limits (cell references, string counts).
    Also whether the workbook counts its dates from 1904."""

    def problem(message: str, hint: str) -> tuple[Diagnostic, bool]:
        return Diagnostic(path, 0, 0, ERROR, message, hint), False

    if raw.startswith(OLE2_MAGIC):
        if ENCRYPTED_STREAM in raw:
            return problem(
                "the workbook is protected by a password, so it cannot be read",
                "in Excel: File > Info > Protect Workbook > Encrypt with Password, "
                "clear the password and save",
            )
        return problem(
            "an Excel 97-2003 workbook (.xls), not .xlsx",
            "open it in Excel and save it as Excel Workbook (.xlsx)",
        )
    if not raw.startswith(b"PK\x03\x04"):
        start = raw[:4096]
        if b"\0" not in start and (b"," in start or b";" in start):
            return problem("not an Excel workbook: it looks like CSV text", "name a CSV file .csv")
        return problem("not an Excel workbook", "save the sheet from Excel as .xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        return problem(
            f"the workbook is damaged and cannot be read ({exc})",
            "open it in Excel and save it again as .xlsx",
        )
    if len(infos) > MAX_ZIP_ENTRIES:
        return problem(
            f"the workbook has {len(infos)} parts, more than {MAX_ZIP_ENTRIES}",
            "save it again from Excel; remove pictures and objects from it",
        )
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        return problem(
            f"the workbook unpacks to {unpacked / 2**20:.0f} MB, more than "
            f"{MAX_UNPACKED_BYTES // 2**20} MB",
            "split it into smaller workbooks",
        )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        return problem(
            "not an Excel workbook (no xl/workbook.xml: another Office file?)",
            "save the sheet from Excel as .xlsx",
        )
    try:
        workbook = archive.read("xl/workbook.xml")
        date1904 = bool(re.search(rb'date1904\s*=\s*["\'](1|true)["\']', workbook))
        targets = _sheet_parts(
            workbook,
            archive.read("xl/_rels/workbook.xml.rels")
            if "xl/_rels/workbook.xml.rels" in names
            else b"",
        )
        several = len(set(targets.values())) > 1
        for info in infos:
            # a sheet may be any part the workbook names, not only one in xl/worksheets/
            is_sheet = info.filename in targets or info.filename.startswith("xl/worksheets/")
            if not is_sheet and info.filename.endswith((".png", ".jpeg", ".jpg", ".gif", ".emf")):
                continue
            data = archive.read(info)
            too_large = _extent_problem(*_extent(data)) if is_sheet else None
            if too_large is None and b"uniqueCount" in data:
                too_large = _strings_problem(data)
                if too_large is not None:
                    return problem(f"too large a workbook: {too_large}", TOO_LARGE_HINT)
            if too_large is not None:
                sheet = targets.get(info.filename, "")
                where = f" in sheet {sheet}" if sheet and several else ""
                return problem(f"too large a sheet: {too_large}{where}", TOO_LARGE_HINT)
    except (
        zipfile.BadZipFile,
        ValueError,
        OSError,
        EOFError,
        ElementTree.ParseError,
        NotImplementedError,
    ) as exc:
        return problem(
            f"the workbook is damaged and cannot be read ({exc})",
            "open it in Excel and save it again as .xlsx",
        )
    return None, date1904


def _sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Zip part name -> sheet name, from the workbook and its relationships (small parts). A
    target is listed as a reader may resolve it ('/xl/a.xml', 'xl/a.xml', 'a.xml')."""
    targets: dict[str, list[str]] = {}
    for rel in ElementTree.fromstring(rels).iter() if rels else ():
        target = rel.get("Target", "")
        if rel.get("Id") and target:
            bare = target.lstrip("/")
            targets[rel.get("Id", "")] = [bare, f"xl/{bare}", f"xl/{target}"]
    result: dict[str, str] = {}
    for sheet in ElementTree.fromstring(workbook).iter():
        if not sheet.tag.endswith("sheet"):
            continue
        for attribute, value in sheet.attrib.items():  # r:id, whatever the namespace's address
            if attribute.endswith("}id") and value in targets:
                for part in targets[value]:
                    result[part] = sheet.get("name", "")
    return result


# Excel and every writer spell a cell's reference ` r="B12"`; other spellings (other white space,
# single quotes, entities) are legal XML and get the slower, general count.
ROW_REF = re.compile(rb' r="[A-Za-z]*([0-9]+)')
COLUMN_REF = re.compile(rb' r="([A-Za-z]+)')
ANY_ROW_REF = re.compile(rb'\sr\s*=\s*["\'][A-Za-z]*([0-9]+)')
ANY_COLUMN_REF = re.compile(rb'\sr\s*=\s*["\']([A-Za-z]+)')
ESCAPED_REF = re.compile(rb'\sr\s*=\s*["\'][^"\'<>]*&')


def _extent(xml: bytes) -> tuple[int, int]:
    """The rows and columns that a sheet's cell references reach. A reader lays a sheet out as a
    dense grid: one cell at XFD1048576 in a 5 kB file would ask it for hundreds of gigabytes."""
    if b"&#" in xml and ESCAPED_REF.search(xml):  # a reference in entities, to slip past a count
        return 10**9, 10**9
    body = xml.find(b"<", 1)  # past the XML declaration and the line break after it
    odd = (
        any(xml.find(space, body) != -1 for space in (b"\t", b"\n", b"\r"))
        or b" =" in xml
        or b"= " in xml
        or b"='" in xml
    )
    digits = (ANY_ROW_REF if odd else ROW_REF).findall(xml)
    if not digits:
        return 0, 0
    rows = 10**9 if max(map(len, digits)) > 9 else max(map(int, digits))
    columns = 0
    for letters in set((ANY_COLUMN_REF if odd else COLUMN_REF).findall(xml)):
        if len(letters) > 4:
            return rows, 10**9
        number = 0
        for letter in letters.upper():
            number = number * 26 + letter - 64
        columns = max(columns, number)
    return rows, columns


def _extent_problem(rows: int, columns: int) -> str | None:
    if rows > MAX_ROWS:
        return f"it reaches row {rows}, more than {MAX_ROWS}"
    if columns > MAX_COLUMNS:
        return f"it reaches column {columns}, more than {MAX_COLUMNS}"
    if rows * columns > MAX_CELLS:
        return f"{rows} rows by {columns} columns, more than {MAX_CELLS} cells"
    return None


UNIQUE_COUNT = re.compile(rb'uniqueCount\s*=\s*["\']([^"\']*)')


def _strings_problem(xml: bytes) -> str | None:
    """The shared strings' declared count: calamine reserves room for that many strings first."""
    for value in UNIQUE_COUNT.findall(xml):
        if not value.strip().isdigit() or int(value) > MAX_CELLS:
            shown = value[:20].decode(errors="replace")
            return f"it declares {shown} different texts, more than {MAX_CELLS}"
    return None


def _fill_merged(grid: list[list[Any]], ranges: Iterable[Any]) -> None:
    """A merged cell spanning rows (one date over three slots) gives its value to each row."""
    for (top, left), (bottom, _right) in ranges:
        if top < 1 or bottom <= top or top >= len(grid) or left >= len(grid[top]):
            continue  # the header row, or a merge across columns only
        value = grid[top][left]
        for row in grid[top + 1 : bottom + 1]:
            if left < len(row) and row[left] == "":
                row[left] = value


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA: how Excel names a column."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


COLUMN_NAME = re.compile(r"^[^.]+(\.[^.]+)*$")


def _sheets_from(
    path: str,
    found: list[tuple[Sheet, list[list[Any]]]],
    required: Required,
    convert: Callable[[Any], Any],
    one_file: bool,
) -> tuple[list[Sheet], list[Diagnostic]]:
    """Header checks, the sheets that have the required columns, and their non-empty rows."""
    problems: list[Diagnostic] = []
    sheets: list[Sheet] = []
    skipped: list[tuple[Sheet, list[str]]] = []
    for sheet, grid in found:
        header = (
            [".".join(part.strip() for part in as_text(convert(v)).split(".")) for v in grid[0]]
            if grid
            else []
        )
        names = [name for name in header if name]
        if not names and not one_file:  # an empty sheet (Excel's Sheet2)
            skipped.append((sheet, names))
            continue
        missing = _missing(set(names), required)
        if missing and not one_file and len(missing) == len(required):
            skipped.append((sheet, names))
            continue
        if missing and not one_file:  # some of the columns: a notes sheet, or a typo in one
            wanted = ", ".join(_named(need) for need in required)
            for need in missing:
                problems.append(
                    Diagnostic(
                        path,
                        1,
                        0,
                        WARNING,
                        f"sheet {sheet.name} is skipped: it has no column {_named(need)}",
                        f"a sheet is read when row 1 names {wanted}; " + _column_hint(need, names),
                    )
                )
            continue
        if missing:
            for need in missing:
                problems.append(
                    sheet.diagnostic(
                        1, 0, ERROR, f"missing column {_named(need)}", _column_hint(need, names)
                    )
                )
            continue
        problems.extend(_columns(sheet, header, grid, convert))
        sheet.rows = _rows(sheet, grid, convert)
        sheets.append(sheet)
    if (
        required
        and not sheets
        and not any(p.severity == ERROR for p in problems)
        and (skipped or problems)
    ):
        wanted = " and ".join(_named(need) for need in required)
        shown = "; ".join(f"{s.name}: {', '.join(n[:6]) or 'empty'}" for s, n in skipped[:6])
        problems.append(
            Diagnostic(
                path,
                1,
                0,
                ERROR,
                f"no sheet has the columns {wanted}",
                f"row 1 of each sheet names its columns ({shown})",
            )
        )
    return sheets, problems


def _missing(names: set[str], required: Required) -> list[str | tuple[str, ...]]:
    return [
        need
        for need in required
        if not (names & set(need) if isinstance(need, tuple) else need in names)
    ]


def _named(need: str | tuple[str, ...]) -> str:
    return " or ".join(f"'{n}'" for n in need) if isinstance(need, tuple) else f"'{need}'"


def _column_hint(need: str | tuple[str, ...], names: list[str]) -> str:
    first = need[0] if isinstance(need, tuple) else need
    close = did_you_mean(first, names) if names else ""
    if close.startswith("did you mean"):
        return close
    return f"add a column '{first}'"


def _columns(
    sheet: Sheet, header: list[str], grid: list[list[Any]], convert: Callable[[Any], Any]
) -> list[Diagnostic]:
    """Column names: unique, not empty where the column has values, dots that nest cleanly."""
    problems: list[Diagnostic] = []
    for index, name in enumerate(header):
        col = index + 1
        if not name:
            if any(index < len(row) and convert(row[index]) is not None for row in grid[1:]):
                problems.append(
                    sheet.diagnostic(
                        1,
                        col,
                        ERROR,
                        f"column {column_letter(col)} has values but no name in row 1",
                        "write the column's name in row 1, or clear it",
                    )
                )
            continue
        if name in sheet.columns:
            first = column_letter(sheet.columns[name])
            problems.append(
                sheet.diagnostic(
                    1,
                    col,
                    ERROR,
                    f"duplicate column '{name}' (first in column {first})",
                    "give each column its own name",
                )
            )
            continue
        if not COLUMN_NAME.match(name):
            problems.append(
                sheet.diagnostic(
                    1,
                    col,
                    ERROR,
                    f"column name '{name}' has an empty part between dots",
                    "write e.g. 'people.assistant'",
                )
            )
            continue
        clash = next(
            (
                other
                for other in sheet.columns
                if other.startswith(name + ".") or name.startswith(other + ".")
            ),
            None,
        )
        if clash is not None:
            problems.append(
                sheet.diagnostic(
                    1,
                    col,
                    ERROR,
                    f"column '{name}' and column '{clash}' both set one key",
                    "keep one of them",
                )
            )
            continue
        sheet.columns[name] = col
    return problems


def _rows(sheet: Sheet, grid: list[list[Any]], convert: Callable[[Any], Any]) -> list[Row]:
    """The non-empty rows, their cells converted (only the named columns': the rest is unused)."""
    taken = [(col - 1, name) for name, col in sheet.columns.items()]
    rows: list[Row] = []
    for number, values in enumerate(grid[1:], start=2):
        width = len(values)
        cells: dict[str, Any] = {}
        for index, name in taken:
            if index < width:
                value = convert(values[index])
                if value is not None:
                    cells[name] = value
        if cells:
            rows.append(Row(sheet, number, cells))
    return rows
