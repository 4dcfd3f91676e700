"""Sheets read from real files (openpyxl, xlsxwriter, csv in GB18030): rows, places, problems."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import MINIMAL_PLAYBOOK

from playpress.diagnostics import Report
from playpress.load import sheets
from playpress.load.fields import Section
from playpress.load.groups import group_from
from playpress.load.playbooks import playbook_from
from playpress.load.reader import YamlList, YamlMap, read_markdown
from playpress.load.sheets import as_date, as_integer, as_text, column_letter, read_sheets
from playpress.load.site import site_from

PLAN = ("slot", ("date", "day"))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def openpyxl_bytes(book: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in book.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def one(path: str, raw: bytes, required=PLAN):
    found, problems = read_sheets(path, raw, required)
    assert problems == [], [str(p) for p in problems]
    assert len(found) == 1
    return found[0]


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


# --- CSV ------------------------------------------------------------------------------------


def test_csv_utf8_with_and_without_bom_numbers_as_typed_and_empty_cells_absent():
    rows = [
        ["slot", "date", "商品", "价格", "限量", "编号", "备注"],
        ["noon", "2026-12-01", "赣南脐橙", "9.8", "16", "016", ""],
        ["", "", "", "", "", "", ""],
        ["noon", "2026-12-03", "丹东草莓", "9.80", "-3", "+3", "  "],
    ]
    for raw in (csv_bytes(rows), b"\xef\xbb\xbf" + csv_bytes(rows)):
        sheet = one("content/plans/dec.csv", raw)
        assert list(sheet.columns) == rows[0] and list(sheet.columns.values()) == [
            1,
            2,
            3,
            4,
            5,
            6,
            7,
        ]
        first, second = sheet.rows  # the blank row is no row, but it is counted
        assert (first.row, second.row) == (2, 4)
        assert first.cells == {
            "slot": "noon",
            "date": "2026-12-01",
            "商品": "赣南脐橙",
            "价格": 9.8,
            "限量": 16,
            "编号": "016",
        }
        assert [second.cells[k] for k in ("价格", "限量", "编号")] == ["9.80", -3, "+3"]
        assert "备注" not in second.cells
        shown = [first.text("价格"), first.text("限量"), second.text("价格")]
        assert shown == ["9.8", "16", "9.80"]


def test_csv_in_gb18030_as_excel_on_chinese_windows_saves_it(tmp_path: Path):
    target = tmp_path / "plan.csv"
    with target.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["slot", "day", "课程", "作业"])
        writer.writerow(["lesson", "1", "阅读理解：长难句", "背诵20个单词；做一篇阅读"])
    raw = target.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    sheet = one("content/plans/plan.csv", raw)
    assert sheet.rows[0].cells == {
        "slot": "lesson",
        "day": 1,
        "课程": "阅读理解：长难句",
        "作业": "背诵20个单词；做一篇阅读",
    }


def test_csv_rows_count_records_not_lines_and_semicolon_files_read():
    raw = csv_bytes(
        [
            ["slot", "date", "copy"],
            ["a", "2026-12-01", "第一行\n第二行\n第三行"],
            ["b", "2026-12-02", "x"],
        ]
    )
    sheet = one("p.csv", raw)
    assert [row.row for row in sheet.rows] == [2, 3]  # as Excel numbers them: one row per record
    assert sheet.rows[0].cells["copy"] == "第一行\n第二行\n第三行"
    raw = csv_bytes([["slot", "date", "precio"], ["a", "2026-12-01", "9,5"]], delimiter=";")
    assert one("p.csv", raw).rows[0].cells == {"slot": "a", "date": "2026-12-01", "precio": "9,5"}


def test_csv_that_is_no_text_or_neither_encoding():
    xlsx = openpyxl_bytes({"S": [["slot", "date"]]})
    assert "this is an Excel workbook" in messages(read_sheets("p.csv", xlsx, PLAN)[1])[0]
    assert "binary data" in messages(read_sheets("p.csv", b"slot,date\n\0\0\x01", PLAN)[1])[0]
    _, problems = read_sheets("p.csv", b"slot,date\na,2026-12-01\n\x80\xff,x\n", PLAN)
    assert messages(problems) == [
        "p.csv:3: error: neither UTF-8 nor GB18030 text (byte 0x80 in "
        "line 3) (save the sheet from Excel as CSV UTF-8)"
    ]
    _, problems = read_sheets("notes.txt", b"slot,date\n", PLAN)
    assert "not a sheet" in problems[0].message


def test_csv_missing_required_columns_name_what_is_missing():
    _, problems = read_sheets("p.csv", csv_bytes([["slto", "day", "x"], ["a", "1", "y"]]), PLAN)
    assert messages(problems) == ["p.csv:1: error: missing column 'slot' (did you mean 'slto'?)"]
    _, problems = read_sheets("p.csv", csv_bytes([["slot", "x"]]), PLAN)
    assert messages(problems) == [
        "p.csv:1: error: missing column 'date' or 'day' (add a column 'date')"
    ]


# --- xlsx -----------------------------------------------------------------------------------


def xlsxwriter_plan() -> bytes:
    """Two plan sheets and a notes sheet as Excel would hold them: date cells, numbers, formulas."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    chinese_date = book.add_format({"num_format": 58})  # Excel zh-CN's built-in "m月d日"
    percent = book.add_format({"num_format": "0%"})
    hangzhou = book.add_worksheet("杭州")
    hangzhou.write_row(
        0, 0, ["slot", "date", "商品", "价格", "原价", "限量", "立省", "备注", "时间"]
    )
    hangzhou.write_string(1, 0, "noon-flash")
    hangzhou.write_datetime(1, 1, dt.datetime(2026, 12, 1), date)
    hangzhou.write_string(1, 2, "赣南脐橙")
    hangzhou.write_number(1, 3, 9.8)
    hangzhou.write_number(1, 4, 16)
    hangzhou.write_number(1, 5, 30)
    hangzhou.write_formula(1, 6, "=E2-D2", None, 6.2)  # a cached value, as Excel saves it
    hangzhou.write_datetime(1, 8, dt.time(11, 30), book.add_format({"num_format": "hh:mm"}))
    hangzhou.write_string(2, 0, "noon-flash")
    hangzhou.write_string(2, 1, "2026-12-02")  # a text date
    hangzhou.write_number(2, 3, 0.1 + 0.2)  # stored as 0.30000000000000004, shown as 0.3
    hangzhou.write_number(2, 5, 0.5, percent)
    hangzhou.write_blank(2, 7, None, date)  # formatted but empty
    hangzhou.write_string(3, 0, "noon-flash")
    hangzhou.write_datetime(3, 1, dt.datetime(2026, 12, 3), chinese_date)
    notes = book.add_worksheet("说明")
    notes.write_string(0, 0, "每行一个商品，价格单位：元")
    shanghai = book.add_worksheet("上海")
    shanghai.write_row(0, 0, ["slot", "day", "商品"])
    shanghai.write_row(1, 0, ["noon-flash", 3, "丹东草莓"])
    book.close()
    return buffer.getvalue()


def test_xlsx_every_sheet_with_the_columns_date_cells_numbers_formulas():
    found, problems = read_sheets("content/plans/dec.xlsx", xlsxwriter_plan(), PLAN)
    assert problems == []
    assert [(s.name, s.several, s.label) for s in found] == [
        ("杭州", True, "杭州"),
        ("上海", True, "上海"),
    ]
    hangzhou, shanghai = found
    first, second, third = hangzhou.rows
    assert first.cells == {
        "slot": "noon-flash",
        "date": dt.date(2026, 12, 1),
        "商品": "赣南脐橙",
        "价格": 9.8,
        "原价": 16,
        "限量": 30,
        "立省": 6.2,
        "时间": "11:30",
    }
    assert type(first.cells["原价"]) is int and first.text("原价") == "16"
    assert second.cells == {"slot": "noon-flash", "date": "2026-12-02", "价格": 0.3, "限量": 0.5}
    report = Report()
    assert [row.date("date", report) for row in hangzhou.rows] == [
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 3),
    ]
    assert report.diagnostics == []
    assert (third.row, third.col_of("date")) == (4, 2)
    assert shanghai.rows[0].cells == {"slot": "noon-flash", "day": 3, "商品": "丹东草莓"}
    assert shanghai.rows[0].integer("day", report) == 3
    assert hangzhou.where() == "content/plans/dec.xlsx, sheet 杭州"


def test_xlsx_made_by_openpyxl_with_empty_cells_and_a_hidden_sheet():
    raw = openpyxl_bytes(
        {
            "plan": [
                ["slot", "date", None, "价格"],
                ["a", dt.date(2026, 12, 1), None, 12],
                [None, None, None, None],
                ["b", dt.datetime(2026, 12, 2, 0, 0), None, 12.5],
            ]
        }
    )
    sheet = one("p.xlsx", raw)
    assert sheet.several is False and sheet.label == ""
    assert [(row.row, row.cells) for row in sheet.rows] == [
        (2, {"slot": "a", "date": dt.date(2026, 12, 1), "价格": 12}),
        (4, {"slot": "b", "date": dt.date(2026, 12, 2), "价格": 12.5}),
    ]
    assert sheet.columns == {"slot": 1, "date": 2, "价格": 4}


def test_a_date_merged_over_several_rows_belongs_to_each():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["date", "slot"])
    sheet.merge_range("A2:A4", "2026-12-01", None)
    for row, slot in enumerate(["morning", "noon", "evening"], start=1):
        sheet.write_string(row, 1, slot)
    sheet.write_row(4, 0, ["2026-12-02", "morning"])
    book.close()
    rows = one("p.xlsx", buffer.getvalue()).rows
    assert [(row.row, row.cells["date"], row.cells["slot"]) for row in rows] == [
        (2, "2026-12-01", "morning"),
        (3, "2026-12-01", "noon"),
        (4, "2026-12-01", "evening"),
        (5, "2026-12-02", "morning"),
    ]


def test_1904_workbooks_date_cells_and_serial_numbers():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "date_1904": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["slot", "date"])
    sheet.write_string(1, 0, "a")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_datetime(1, 1, dt.datetime(2026, 12, 1), date)
    sheet.write_string(2, 0, "b")
    sheet.write_number(2, 1, 46357 - 1462)  # a serial typed into a General cell, 1904 system
    book.close()
    found = one("p.xlsx", buffer.getvalue())
    assert found.date1904
    assert [row.date("date", Report()) for row in found.rows] == [dt.date(2026, 12, 1)] * 2


def test_the_sheet_to_fill_is_named_and_sheets_without_the_columns_are_skipped():
    raw = openpyxl_bytes({"说明": [["readme"]], "Sheet2": []})
    found, problems = read_sheets("g.xlsx", raw, PLAN)
    assert found == []
    assert messages(problems) == [
        "g.xlsx:1: error: no sheet has the columns 'slot' and 'date' or 'day' "
        "(row 1 of each sheet names its columns (说明: readme; Sheet2: empty))"
    ]
    raw = openpyxl_bytes({"杭州": [["slot", "date"], ["a", "2026-12-01"]], "上海": [["slot", "x"]]})
    found, problems = read_sheets("g.xlsx", raw, PLAN)
    assert [s.name for s in found] == ["杭州"]
    skipped = (
        "g.xlsx:1: warning: sheet 上海 is skipped: it has no column 'date' or 'day' "
        "(a sheet is read when row 1 names 'slot', 'date' or 'day'; add a column 'date')"
    )
    assert messages(problems) == [skipped]
    raw = openpyxl_bytes({"说明": [["readme"]], "上海": [["slot", "x"]]})
    found, problems = read_sheets("g.xlsx", raw, PLAN)
    assert found == [] and messages(problems)[0] == skipped
    assert messages(problems)[1].startswith("g.xlsx:1: error: no sheet has the columns")


# --- rows as the YAML reader's mappings, validated as a group file ---------------------------

GROUP_COLUMNS = [
    "slug",
    "name",
    "playbook",
    "start",
    "days",
    "people.teacher",
    "people.assistant",
    "vars.topic",
    "sop_skip",
]


def group_book() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date = book.add_format({"num_format": "yyyy/m/d"})
    for name, rows in {
        "杭州": [
            [
                "xixi",
                "考研英语西溪群",
                "course",
                dt.datetime(2026, 12, 1),
                14,
                "王老师",
                "小李",
                "阅读理解",
                "morning；live",
            ],
            ["binjiang", "考研英语滨江群", "exam", "2026-12-01", 14, "王老师", "", "", ""],
        ],
        "上海": [["xuhui", "考研英语徐汇群", "course", 46357, "两周", "", "小王", "", ""]],
    }.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, GROUP_COLUMNS)
        for index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(index, col, value, date)
                elif isinstance(value, int):
                    sheet.write_number(index, col, value)
                elif value:
                    sheet.write_string(index, col, value)
    book.close()
    return buffer.getvalue()


def course_playbook(root: Path):
    source, _ = read_markdown("playbooks/course.md", MINIMAL_PLAYBOOK.lstrip("\n").encode())
    report = Report()
    playbook = playbook_from(
        "course", source.path, source.meta, source.body, source.body_line, root, (), report
    )
    assert report.errors == [] and playbook is not None
    return playbook


def test_a_row_has_the_yaml_readers_shape_with_every_key_at_its_cell():
    found, problems = read_sheets("content/groups.xlsx", group_book(), ("slug", "playbook"))
    assert problems == []
    row = found[0].rows[0]
    data = row.mapping(lists={"sop_skip"}, dates={"start"})
    assert isinstance(data, YamlMap) and data.sheet == "杭州" and (data.line, data.col) == (2, 1)
    assert set(vars(YamlMap())) <= set(vars(data))  # SheetMap sets what YamlMap.__init__ sets
    assert data == {
        "slug": "xixi",
        "name": "考研英语西溪群",
        "playbook": "course",
        "start": dt.date(2026, 12, 1),
        "days": 14,
        "people": {"teacher": "王老师", "assistant": "小李"},
        "vars": {"topic": "阅读理解"},
        "sop_skip": ["morning", "live"],
    }
    assert data.key_marks["playbook"] == (2, 3) and data.key_marks["people"] == (2, 6)
    assert data["people"].key_marks == {"teacher": (2, 6), "assistant": (2, 7)}
    assert data["people"].sheet == "杭州"
    assert isinstance(data["sop_skip"], YamlList)
    assert data["sop_skip"].item_marks == [(2, 9), (2, 9)]
    second = found[0].rows[1].mapping(lists={"sop_skip"}, dates={"start"})
    assert "people" in second and "assistant" not in second["people"] and "vars" not in second
    assert "sop_skip" not in second and second["start"] == dt.date(2026, 12, 1)
    third = found[1].rows[0].mapping(lists={"sop_skip"}, dates={"start"})
    assert third["start"] == dt.date(2026, 12, 1) and third["days"] == "两周"  # serial -> date


def test_section_reports_a_sheet_row_at_row_and_column_with_its_sheet(tmp_path: Path):
    found, _ = read_sheets("content/groups.xlsx", group_book(), ("slug", "playbook"))
    playbooks = {"course": course_playbook(tmp_path)}
    site = site_from(None, "content/site.yml", Report())
    report = Report()
    groups = []
    for sheet in found:
        for row in sheet.rows:
            data = row.mapping(lists={"sop_skip"}, dates={"start"})
            data.pop("slug")
            groups.append(
                group_from(
                    row.text("slug"), sheet.path, data, "", 0, tmp_path, site, playbooks, report
                )
            )
    assert messages(report.diagnostics) == [
        "content/groups.xlsx:3:3: error: unknown playbook 'exam' in sheet 杭州 "
        "(expected one of: course)",
        "content/groups.xlsx:2:5: error: 'days' is '两周' in sheet 上海 "
        "(write a whole number from 1 to 3660)",
    ]
    xixi = groups[0]
    assert xixi is not None
    assert (xixi.start, xixi.end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 14))
    assert xixi.people == {"teacher": "王老师", "assistant": "小李"}
    assert xixi.sop_skip == ("morning", "live")
    assert xixi.key_lines["people"] == 2

    # the same group from a group file: the same model object but for where it is written
    source, _ = read_markdown(
        "content/groups/xixi.md",
        (
            "---\nname: 考研英语西溪群\nplaybook: course\nstart: 2026-12-01\ndays: 14\n"
            "people: {teacher: 王老师, assistant: 小李}\nvars: {topic: 阅读理解}\n"
            "sop_skip: [morning, live]\n"
            "---\n"
        ).encode(),
    )
    from_file = group_from(
        "xixi", source.path, source.meta, "", 0, tmp_path, site, playbooks, Report()
    )
    assert from_file is not None
    assert dataclasses.replace(from_file, path=xixi.path, key_lines=xixi.key_lines) == xixi


def test_unknown_keys_and_a_single_sheet_need_no_sheet_name():
    raw = csv_bytes([["name", "playbok"], ["g", "course"]])
    row = one("content/groups.csv", raw, ()).rows[0]
    report = Report()
    Section(report, "content/groups.csv", row.mapping(), "", ("name", "playbook"))
    assert messages(report.diagnostics) == [
        "content/groups.csv:2:2: error: unknown key 'playbok' (did you mean 'playbook'?)"
    ]


# --- problems -------------------------------------------------------------------------------


def test_header_problems_duplicate_empty_clashing_and_bad_dotted_names():
    raw = openpyxl_bytes(
        {
            "S": [
                ["slot", "date", "slot", None, "people", "people.assistant", "vars..x", None],
                ["a", "2026-12-01", "b", "orphan", "x", "y", "z", None],
            ]
        }
    )
    found, problems = read_sheets("p.xlsx", raw, PLAN)
    assert messages(problems) == [
        "p.xlsx:1:3: error: duplicate column 'slot' (first in column A) "
        "(give each column its own name)",
        "p.xlsx:1:4: error: column D has values but no name in row 1 "
        "(write the column's name in row 1, or clear it)",
        "p.xlsx:1:6: error: column 'people.assistant' and column 'people' both set one key "
        "(keep one of them)",
        "p.xlsx:1:7: error: column name 'vars..x' has an empty part between dots "
        "(write e.g. 'people.assistant')",
    ]
    assert found[0].rows[0].cells == {"slot": "a", "date": "2026-12-01", "people": "x"}


def test_spaces_around_dots_and_names_are_not_part_of_the_keys():
    sheet = one(
        "g.csv",
        csv_bytes([[" name ", "vars . topic", "people.assistant "], ["g", "阅读", "小李"]]),
        (),
    )
    assert list(sheet.columns) == ["name", "vars.topic", "people.assistant"]
    assert sheet.rows[0].mapping() == {
        "name": "g",
        "vars": {"topic": "阅读"},
        "people": {"assistant": "小李"},
    }


def test_bad_date_and_day_cells_are_named_by_row_and_column():
    raw = openpyxl_bytes(
        {
            "杭州": [
                ["slot", "date", "day"],
                ["a", "2026-13-01", "第三天"],
                ["b", 0, 2.5],
                ["c", "12/01", 0],
            ],
            "上海": [["slot", "date"]],
        }
    )
    found, problems = read_sheets("content/plans/p.xlsx", raw, PLAN)
    assert problems == []
    report = Report()
    for row in found[0].rows:
        row.date("date", report)
        row.integer("day", report, 1, 3660)
    assert messages(report.diagnostics) == [
        "content/plans/p.xlsx:2:2: error: 'date' is '2026-13-01', not a date in sheet 杭州 "
        f"({sheets.DATE_HINT})",
        "content/plans/p.xlsx:2:3: error: 'day' is '第三天', not a whole number in sheet 杭州 "
        "(write a whole number from 1 to 3660)",
        "content/plans/p.xlsx:3:2: error: 'date' is '0', not a date in sheet 杭州 "
        f"({sheets.DATE_HINT})",
        "content/plans/p.xlsx:3:3: error: 'day' is '2.5', not a whole number in sheet 杭州 "
        "(write a whole number from 1 to 3660)",
        "content/plans/p.xlsx:4:2: error: 'date' is '12/01', not a date in sheet 杭州 "
        f"({sheets.DATE_HINT})",
        "content/plans/p.xlsx:4:3: error: 'day' is 0 in sheet 杭州 "
        "(write a whole number from 1 to 3660)",
    ]


def test_encrypted_old_damaged_and_misnamed_workbooks_are_diagnostics():
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = openpyxl_bytes({"S": [["slot", "date"]]})
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("secret", encrypted)
    cases = {
        "password": encrypted.getvalue(),
        "Excel 97-2003": sheets.OLE2_MAGIC + bytes(504),
        "damaged": plain[: len(plain) // 2],
        "looks like CSV text": b"slot,date\na,2026-12-01\n",
        "not an Excel workbook": b"\x89PNG\r\n\x1a\n" + bytes(100),
    }
    for words, raw in cases.items():
        found, problems = read_sheets("p.xlsx", raw, PLAN)
        assert found == [] and len(problems) == 1, words
        assert words in problems[0].message, (words, problems)
        assert problems[0].severity == "error" and problems[0].hint


def rezip(
    raw: bytes,
    replace: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
) -> bytes:
    """The workbook with some parts replaced, dropped or renamed, zipped again."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in drop:
                data = (replace or {}).get(info.filename, source.read(info))
                target.writestr((rename or {}).get(info.filename, info.filename), data)
    return buffer.getvalue()


def test_a_workbook_whose_parts_are_not_xml_or_not_excel():
    plain = openpyxl_bytes({"S": [["slot", "date"], ["a", "b"]]})
    broken = rezip(plain, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})
    _, problems = read_sheets("p.xlsx", broken, PLAN)
    assert "damaged" in problems[0].message
    _, problems = read_sheets("p.xlsx", rezip(plain, drop=("xl/workbook.xml",)), PLAN)
    assert "not an Excel workbook" in problems[0].message


def test_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (sheets.MAX_UNPACKED_BYTES + 1))
    raw = buffer.getvalue()
    assert len(raw) < 200_000
    _, problems = read_sheets("p.xlsx", raw, PLAN)
    assert "unpacks to 64 MB, more than 64 MB" in problems[0].message


def test_a_part_larger_than_it_says_is_damaged_not_read():
    rows = [["slot", "date"]] + [["a", f"2026-12-{d:02d}"] for d in range(1, 29)]
    raw = bytearray(openpyxl_bytes({"S": rows}))
    name = b"xl/worksheets/sheet1.xml"
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(name.decode())
    claimed = (100).to_bytes(4, "little")
    raw[info.header_offset + 22 : info.header_offset + 26] = claimed  # the local header's size
    central = raw.find(b"PK\x01\x02")
    while raw[central + 46 : central + 46 + len(name)] != name:
        central = raw.find(b"PK\x01\x02", central + 4)
    raw[central + 24 : central + 28] = claimed  # and the central directory's
    assert zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(name.decode()).file_size == 100
    _, problems = read_sheets("p.xlsx", bytes(raw), PLAN)
    assert len(problems) == 1 and "damaged" in problems[0].message


def test_small_files_that_would_make_a_reader_reserve_gigabytes_are_refused(tmp_path: Path):
    # calamine lays a sheet out densely and reserves room for the declared number of shared
    # strings: each of these few-kB files would abort the process. Read in a child process, so
    # that a regression fails this test rather than ending the test run.
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["slot", "date"])
    sheet.write(1048575, 16383, "x")  # XFD1048576
    book.close()
    far = buffer.getvalue()
    plain = xlsxwriter_plan()
    strings = zipfile.ZipFile(io.BytesIO(plain)).read("xl/sharedStrings.xml")
    counted = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', strings)
    rels = zipfile.ZipFile(io.BytesIO(far)).read("xl/_rels/workbook.xml.rels")
    elsewhere = rezip(
        far,
        {"xl/_rels/workbook.xml.rels": rels.replace(b"worksheets/sheet1.xml", b"data/cells.xml")},
        rename={"xl/worksheets/sheet1.xml": "xl/data/cells.xml"},
    )
    cases = {
        "far.xlsx": far,
        "strings.xlsx": rezip(plain, {"xl/sharedStrings.xml": counted}),
        "elsewhere.xlsx": elsewhere,
    }
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
        assert len(raw) < 20_000
    code = (
        "import json, sys\nfrom playpress.load.sheets import read_sheets\n"
        "for name in sys.argv[1:]:\n"
        "    found, problems = read_sheets(name, open(name, 'rb').read(), ('slot',))\n"
        "    print(json.dumps([str(p) for p in problems], ensure_ascii=False))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *(str(tmp_path / n) for n in cases)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    far_message, strings_message, elsewhere_message = map(json.loads, result.stdout.splitlines())
    assert "too large a sheet: it reaches row 1048576, more than 50000" in far_message[0]
    assert "it declares 4000000000 different texts" in strings_message[0]
    assert "too large a sheet: it reaches row 1048576" in elsewhere_message[0]


FUZZ = r"""
import io, random, sys, zipfile
from playpress.load.sheets import read_sheets
rng = random.Random(7)
TOKENS = [b"4000000000", b"1048576", b"XFD", b"-1", b'"', b"<", b"&#88;", b"\x00", b" t=\"e\"",
          b'<c r="XFD1048576"><v>1</v></c>', b' s="999"', b"<v>1e308</v>", b"<f>A1</f>",
          b'<mergeCell ref="A1:XFD1048576"/>', b'date1904="1"']
source = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
parts = [n for n in source.namelist() if n.endswith((".xml", ".rels"))]
outcomes = set()
for _ in range(int(sys.argv[1])):
    victim = rng.choice(parts)
    data = bytearray(source.read(victim))
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(data) + 1)
        if rng.random() < 0.5:
            data[at:at] = rng.choice(TOKENS)
        else:
            del data[at:at + rng.randint(1, 30)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, bytes(data) if info.filename == victim
                            else source.read(info))
    found, problems = read_sheets("p.xlsx", out.getvalue(), ("slot",))
    outcomes.add("read" if found else "diagnostic")
    raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    read_sheets("p.csv", b"slot,date\n" + raw, ("slot",))
print(sorted(outcomes))
"""


def test_mutated_workbooks_and_csv_give_rows_or_diagnostics_never_exceptions():
    result = subprocess.run(
        [sys.executable, "-c", FUZZ, "100"],
        input=xlsxwriter_plan(),
        capture_output=True,
        timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
    assert result.stdout.decode().strip() == "['diagnostic', 'read']"


def test_too_many_rows_columns_cells_or_bytes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 10)
    rows = [["slot", "date"]] + [["a", f"2026-12-{d:02d}"] for d in range(1, 11)]
    for path, raw in (("p.csv", csv_bytes(rows)), ("p.xlsx", openpyxl_bytes({"S": rows}))):
        found, problems = read_sheets(path, raw, PLAN)
        assert found == [] and "too large a sheet" in problems[0].message, path
        fits = csv_bytes(rows[:10]) if path == "p.csv" else openpyxl_bytes({"S": rows[:10]})
        assert len(one(path, fits).rows) == 9
    monkeypatch.setattr(sheets, "MAX_COLUMNS", 3)
    wide = [["slot", "date", "a", "b"]]
    for path, raw in (("p.csv", csv_bytes(wide)), ("p.xlsx", openpyxl_bytes({"S": wide}))):
        assert "column" in read_sheets(path, raw, PLAN)[1][0].message
    monkeypatch.setattr(sheets, "MAX_COLUMNS", 200)
    monkeypatch.setattr(sheets, "MAX_CELLS", 15)
    assert "cells" in read_sheets("p.xlsx", openpyxl_bytes({"S": rows[:9]}), PLAN)[1][0].message
    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 100)
    assert "MB" in read_sheets("p.csv", csv_bytes(rows[:9]), PLAN)[1][0].message


# --- cells ----------------------------------------------------------------------------------


def test_cell_helpers():
    assert as_date(46357) == dt.date(2026, 12, 1) == as_date(46357.75) == as_date("2026/12/1")
    assert as_date("2026年12月1日") == as_date(" 2026.12.01 ") == dt.date(2026, 12, 1)
    assert as_date(dt.datetime(2026, 12, 1, 9)) == dt.date(2026, 12, 1)
    assert as_date(1) == dt.date(1900, 1, 1) and as_date(61) == dt.date(1900, 3, 1)
    assert as_date(0, date1904=True) == dt.date(1904, 1, 1)
    for bad in (60, 0, -3, True, "2026-02-30", "12-01", "tomorrow", 3e6):
        with pytest.raises(sheets.CellError):
            as_date(bad)
    assert as_integer(16) == as_integer(16.0) == as_integer(" 16 ") == 16
    for bad in (True, 2.5, "3天", ""):
        with pytest.raises(sheets.CellError):
            as_integer(bad)
    values = (9.8, 16, True, dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 14, 0))
    assert [as_text(v) for v in values] == ["9.8", "16", "TRUE", "2026-12-01", "2026-12-01 14:00"]
    letters = [column_letter(n) for n in (1, 26, 27, 702, 703, 16384)]
    assert letters == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
