"""Workbooks written by playpress.media.xlsx, read back with openpyxl as a user's Excel would."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl

from playpress.media.csvcell import csv_cell
from playpress.media.xlsx import MAX_WIDTH, Table, display_width, sheet_name, workbook_bytes

HEADER = ["date", "time", "周", "post", "copy", "day", "price"]
ROWS = [
    [
        dt.date(2026, 12, 1),
        dt.time(11, 30),
        "星期二",
        "午间限时秒杀",
        "午间秒杀：赣南脐橙，9.8元/斤，限量30份！\n12点开抢，先到先得。" * 3,
        1,
        9.8,
    ],
    [
        dt.date(2026, 12, 2),
        dt.time(20, 0),
        "星期三",
        '=HYPERLINK("http://x","点我")',
        "+86 138",
        2,
        16,
    ],
    [dt.date(2026, 12, 3), None, "星期四", "-5", "@所有人 今晚8点直播", 3, None],
]


def tables() -> list[Table]:
    return [
        Table("sop", HEADER, ROWS),
        Table(
            "rules: 规则/2026",
            ["rule", "when", "at"],
            [["早安打卡", "daily", dt.datetime(2026, 12, 1, 8, 0)]],
        ),
    ]


def test_the_same_tables_give_the_same_bytes():
    first = workbook_bytes(tables(), title="鲜果铺 SOP")
    assert workbook_bytes(tables(), title="鲜果铺 SOP") == first
    assert workbook_bytes(tables(), title="other") != first
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z' in core
    assert '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z' in core


def test_openpyxl_reads_back_real_dates_times_numbers_and_text():
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(tables())))
    assert book.sheetnames == ["sop", "rules_ 规则_2026"]
    sheet = book["sop"]
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1])
    date, time, weekday, post, copy, day, price = sheet[2]
    assert date.is_date and date.value == dt.datetime(2026, 12, 1)
    assert date.number_format == "yyyy-mm-dd"
    assert time.is_date and time.value == dt.time(11, 30) and time.number_format == "hh:mm"
    assert (day.value, day.data_type, price.value) == (1, "n", 9.8)
    assert copy.alignment.wrap_text and copy.value == ROWS[0][4]
    assert not weekday.alignment.wrap_text
    assert sheet["G4"].value is None and sheet["B4"].value is None
    at = book["rules_ 规则_2026"]["C2"]
    assert at.is_date and at.value == dt.datetime(2026, 12, 1, 8, 0)
    assert at.number_format == "yyyy-mm-dd hh:mm"


def test_text_that_looks_like_a_formula_stays_text():
    raw = workbook_bytes(tables())
    book = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = book["sop"]
    for ref, text in (
        ("D3", ROWS[1][3]),
        ("E3", "+86 138"),
        ("D4", "-5"),
        ("E4", "@所有人 今晚8点直播"),
    ):
        assert sheet[ref].data_type == "s" and sheet[ref].value == text, ref
    xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml


PAD = 0.7109375  # what xlsxwriter adds to a width for the default font's padding


def test_header_is_frozen_with_a_filter_and_widths_fit_cjk_text():
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(tables())))["sop"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    width = {letter: sheet.column_dimensions[letter].width - PAD for letter in "ABCDEFG"}
    assert width["A"] == 10 + 2  # 2026-12-01 is 10 columns, plus padding
    assert width["C"] == 6 + 2  # 星期二: 3 characters, 6 columns (a header of '周' is 2.2)
    assert width["D"] == 25 + 4 + 2  # the formula-looking text: 25 ASCII characters and 点我
    assert width["E"] == MAX_WIDTH  # long copy: capped, and wrapped instead
    assert width["F"] == 6  # 'day', 1, 2, 3: the minimum
    # wrapped copy gets the height of its lines: 4 paragraphs of 40, 60, 60 and 20 columns in a
    # column with room for 58 are 6 lines (LibreOffice does not grow a row by itself)
    assert sheet.row_dimensions[2].height == 15 * 6
    assert sheet.row_dimensions[3].height is None and sheet.row_dimensions[4].height is None


def test_display_width_and_sheet_names():
    assert display_width("abc") == 3 and display_width("鲜果铺") == 6 and display_width("ｅ") == 2
    taken: set[str] = set()
    assert [sheet_name(n, taken) for n in ("SOP", "sop", "a/b", "x" * 40, "")] == [
        "SOP",
        "sop (2)",
        "a_b",
        "x" * 31,
        "Sheet",
    ]


def test_csv_cells_are_neutralised_by_the_owasp_rule():
    cells = [
        "=1+1",
        "+86 138",
        "-5",
        "@所有人 今晚8点",
        "\tx",
        "\rx",
        "普通文案",
        "a=b",
        "",
        None,
        -5,
        9.8,
    ]
    assert [csv_cell(c) for c in cells] == [
        "'=1+1",
        "'+86 138",
        "'-5",
        "'@所有人 今晚8点",
        "'\tx",
        "'\rx",
        "普通文案",
        "a=b",
        "",
        "",
        "-5",
        "9.8",
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell('=HYPERLINK("http://x","点我")'), csv_cell("a,b")])
    assert buffer.getvalue() == '"\'=HYPERLINK(""http://x"",""点我"")","a,b"\r\n'
