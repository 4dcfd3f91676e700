"""Plan sheets, end to end: a held-out project with a date-keyed GB18030 CSV, a day-keyed .xlsx
with Excel date cells, group-level sheets and tag rows, built and checked with the real command
line and read back with the tools a user would open the outputs with."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import re
import shutil
from pathlib import Path

import icalendar
import openpyxl
import pytest
import yaml
import zxingcpp
from conftest import run_cli, snapshot, write_project
from PIL import Image, ImageChops

from playpress.build import Options, build
from playpress.session import Session
from playpress.theme import BUILTIN_THEMES

SHOP = """
---
title: 水果福利群
type: product
plans: [content/plans/selection.csv]
roles:
  - {id: assistant, title: 群助理}
welcome: |
  欢迎！每天的消息：
  {% for slot in playbook.sop %}{{ slot.time }} {{ slot.post }}
  {% endfor %}
sop:
  - id: offer
    when: daily 11:30
    post: "{{ plan.商品 }}秒杀"
    kind: activity
    owner: assistant
    poster: offer
    copy: |-
      秒杀：{{ plan.商品 }}，{{ plan.价格 }}元/{{ plan.单位 }}
      {%- if plan.备注 %}（{{ plan.备注 }}）{% endif %}
  - id: tip
    when: mon,thu 20:00
    post: 小知识
    kind: content
    owner: assistant
    copy: "今晚小知识：{{ plan.题目 }}"
posters:
  - id: offer
    size: square
    layout: offer
    image: "{{ plan.图片 }}"
    title: "{{ plan.商品 }}"
    subtitle: "{{ group.name }}"
    lines: ["群内价 {{ plan.价格 }}元"]
    cta: 扫码进群
  - id: card
    size: a6
    layout: counter
    title: 扫码进群
---
"""

COURSE = """
---
title: 冲刺营
type: knowledge
plans: [content/plans/syllabus.xlsx]
roles:
  - {id: teacher, title: 老师}
phases:
  - {name: 冲刺, days: "1-10"}
sop:
  - id: lesson
    when: days 1-10 19:00
    post: 今日课程
    kind: content
    owner: teacher
    copy: "第{{ occurrence.day }}天：{{ plan.课程 }}，作业{{ plan.截止 }}前交"
  - id: live
    when: mon 20:00
    post: 周一直播
    kind: activity
    owner: teacher
    copy: "今晚直播：{{ plan.主题 }}"
---
"""


def group(name: str, playbook: str, start: str, days: int, extra: str = "") -> str:
    person = "assistant: 小李" if playbook == "shop" else "teacher: 王老师"
    return (
        f"---\nname: {name}\nplaybook: {playbook}\nstart: {start}\ndays: {days}\n"
        f"join_url: https://example.com/j/{name}\npeople: {{{person}}}\n{extra}---\n"
    )


SELECTION_COLUMNS = ["slot", "date", "group", "商品", "价格", "单位", "图片", "备注", "题目"]
START = dt.date(2026, 12, 7)  # a Monday; the shops run 14 days
FRUIT = {"苹果": ("5.98", "red"), "香蕉": ("2.50", "yellow")}  # 2.50 stays as typed
COLOURS = {"red": (200, 30, 40), "yellow": (240, 200, 30), "orange": (240, 130, 20)}


def selection_rows() -> list[dict[str, str]]:
    rows = []
    for n in range(14):
        date = START + dt.timedelta(days=n)
        name = "苹果" if n % 2 == 0 else "香蕉"
        price, colour = FRUIT[name]
        if n == 6:
            price = "6.98"  # 12-13: the same apple, dearer (the poster differs in its price only)
        rows.append(
            {
                "slot": "offer",
                "date": date.isoformat(),
                "商品": name,
                "价格": price,
                "单位": "斤",
                "图片": f"content/assets/{colour}.jpg",
                "备注": "吉𠮷日" if n == 4 else "",  # 𠮷: four bytes in GB18030
            }
        )
    rows += [
        # 12-08: a tag row (杭州) and a slug row (shop-a, which is tagged 杭州): the slug wins
        {"slot": "offer", "date": "2026-12-08", "group": "tag:杭州", "商品": "杭州橘"}
        | {"价格": "3.3", "单位": "斤", "图片": "content/assets/orange.jpg"},
        {"slot": "offer", "date": "2026-12-08", "group": "shop-a", "商品": "A店车厘子"}
        | {"价格": "39.9", "单位": "斤", "图片": "content/assets/red.jpg"},
        {"slot": "offer", "date": "2026-12-09", "group": "tag:宁波", "商品": "宁波红美人"}
        | {"价格": "15.8", "单位": "斤", "图片": "content/assets/orange.jpg"},
        # 12-10: a slug row of the playbook's sheet, but shop-b's own sheet has a row: it wins
        {"slot": "offer", "date": "2026-12-10", "group": "shop-b", "商品": "不该出现"}
        | {"价格": "1", "单位": "斤", "图片": "content/assets/red.jpg"},
        {"slot": "tip", "date": "2026-12-07", "题目": "苹果怎么挑"},
        {"slot": "tip", "date": "2026-12-10", "题目": "香蕉怎么放"},
        {"slot": "tip", "date": "2026-12-14"},  # its 题目 is empty; 12-17 has no row at all
    ]
    return rows


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]], encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])


def write_syllabus(path: Path, lessons: dict[int, str], live: bool = True) -> None:
    """The course's sheet as Excel saves it: day-keyed lessons with real date cells (截止), a
    date-keyed sheet of real date cells, and a notes sheet without the columns (skipped)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "课表"
    sheet.append(["slot", "day", "课程", "截止"])
    for day, title in lessons.items():
        sheet.append(["lesson", day, title, dt.datetime(2026, 12, 20) + dt.timedelta(days=day)])
        sheet.cell(sheet.max_row, 4).number_format = "yyyy/m/d"
    if live:
        lives = book.create_sheet("直播")
        lives.append(["slot", "date", "主题"])
        lives.append(["live", dt.datetime(2026, 12, 7), "阅读真题精讲"])
        lives.cell(2, 2).number_format = "yyyy-mm-dd"
    notes = book.create_sheet("说明")
    notes.append(["这一页是给老师看的说明，不读"])
    book.save(path)


def photo(path: Path, colour: tuple[int, int, int]) -> None:
    """A 'product photo': the colour, with a lighter band so that a crop shows where it cut."""
    image = Image.new("RGB", (600, 400), colour)
    image.paste(tuple(min(255, c + 40) for c in colour), (0, 0, 600, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=92)


def make_project(root: Path) -> Path:
    write_project(
        root,
        {
            "content/site.yml": "title: 测试运营\nlang: zh\nbase_url: https://ops.example.com/\n",
            "playbooks/shop.md": SHOP,
            "playbooks/course.md": COURSE,
            "content/groups/shop-a.md": group("shop-a", "shop", "2026-12-07", 14, "tags: [杭州]\n"),
            "content/groups/shop-b.md": group(
                "shop-b",
                "shop",
                "2026-12-07",
                14,
                "tags: [宁波]\nplans: [content/plans/shop-b.csv]\n",
            ),
            "content/groups/course-1.md": group("course-1", "course", "2026-12-01", 10),
            "content/groups/course-2.md": group(
                "course-2", "course", "2026-12-03", 10, "plans: [content/plans/course-2.xlsx]\n"
            ),
        },
    )
    for name, colour in COLOURS.items():
        photo(root / f"content/assets/{name}.jpg", colour)
    write_csv(root / "content/plans/selection.csv", SELECTION_COLUMNS, selection_rows(), "gb18030")
    write_csv(
        root / "content/plans/shop-b.csv",
        ["slot", "date", "商品", "价格", "单位", "图片"],
        [
            {"slot": "offer", "date": "2026/12/10", "商品": "B店草莓", "价格": "29.9"}
            | {"单位": "盒", "图片": "content/assets/red.jpg"}
        ],
        "utf-8-sig",
    )
    write_syllabus(root / "content/plans/syllabus.xlsx", {d: f"第{d}课" for d in range(1, 11)})
    write_syllabus(root / "content/plans/course-2.xlsx", {2: "B班专属课程"}, live=False)
    return root


@pytest.fixture(scope="module")
def held_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The project, built once with the CLI (no PDFs): (root, dist, what the build printed)."""
    root = make_project(tmp_path_factory.mktemp("plans") / "proj")
    out = root.parent / "dist"
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr
    return root, out, result.stderr


def sop_rows(out: Path, slug: str) -> list[dict[str, str]]:
    with (out / slug / "sop.csv").open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def copy_of(out: Path, slug: str, slot: str, date: str) -> str:
    (row,) = [r for r in sop_rows(out, slug) if r["slot"] == slot and r["date"] == date]
    return row["copy"]


# --- what the outputs say ----------------------------------------------------------------------


def test_every_occurrence_s_copy_carries_its_row_in_csv_ics_and_html(held_out) -> None:
    root, out, _ = held_out
    for slug in ("shop-a", "shop-b"):
        rows = {(r["slot"], r["date"]): r for r in sop_rows(out, slug)}
        calendar = icalendar.Calendar.from_ical((out / slug / "sop.ics").read_bytes())
        # an event title starts with its group (【A店】苹果秒杀): several groups in one app
        events = {
            (str(e["SUMMARY"]).split("】", 1)[-1], e["DTSTART"].dt.date().isoformat()): str(
                e["DESCRIPTION"]
            )
            for e in calendar.walk("VEVENT")
        }
        page = (out / slug / "sop.html").read_text(encoding="utf-8")
        for n in range(14):
            date = (START + dt.timedelta(days=n)).isoformat()
            row = rows[("offer", date)]
            assert row["copy"].startswith(f"秒杀：{row['post'].removesuffix('秒杀')}，")
            assert row["copy"] in events[(row["post"], date)]
            assert row["copy"] in page
    apple = copy_of(out, "shop-a", "offer", "2026-12-07")
    assert apple == "秒杀：苹果，5.98元/斤"
    # the slug row beats the tag row (shop-a is tagged 杭州) and the row for every group
    assert copy_of(out, "shop-a", "offer", "2026-12-08") == "秒杀：A店车厘子，39.9元/斤"
    assert copy_of(out, "shop-b", "offer", "2026-12-08") == "秒杀：香蕉，2.50元/斤"  # as typed
    assert copy_of(out, "shop-b", "offer", "2026-12-09") == "秒杀：宁波红美人，15.8元/斤"
    assert copy_of(out, "shop-a", "offer", "2026-12-09") == "秒杀：苹果，5.98元/斤"
    # shop-b's own sheet (its row for every group) beats the playbook sheet's shop-b row
    assert copy_of(out, "shop-b", "offer", "2026-12-10") == "秒杀：B店草莓，29.9元/盒"
    assert copy_of(out, "shop-a", "offer", "2026-12-11") == "秒杀：苹果，5.98元/斤（吉𠮷日）"
    assert "不该出现" not in (out / "shop-b/sop.csv").read_text(encoding="utf-8-sig")


def test_day_keyed_xlsx_with_excel_date_cells_and_a_group_s_own_workbook(held_out) -> None:
    _, out, _ = held_out
    assert copy_of(out, "course-1", "lesson", "2026-12-01") == "第1天：第1课，作业2026-12-21前交"
    assert copy_of(out, "course-1", "lesson", "2026-12-02") == "第2天：第2课，作业2026-12-22前交"
    # course-2 starts two days later: day 2 is 12-04, and its own workbook gives that lesson
    assert (
        copy_of(out, "course-2", "lesson", "2026-12-04") == "第2天：B班专属课程，作业2026-12-22前交"
    )
    assert copy_of(out, "course-2", "lesson", "2026-12-05") == "第3天：第3课，作业2026-12-23前交"
    assert copy_of(out, "course-1", "live", "2026-12-07") == "今晚直播：阅读真题精讲"


def test_a_welcome_lists_the_times_from_playbook_sop(held_out) -> None:
    _, out, _ = held_out
    welcome = (out / "shop-a/welcome.txt").read_text(encoding="utf-8")
    assert "11:30 " in welcome and "20:00 小知识" in welcome


def test_a_missing_row_or_empty_cell_shows_the_marker_and_warns(held_out) -> None:
    _, out, printed = held_out
    assert copy_of(out, "shop-a", "tip", "2026-12-17") == "今晚小知识：【待填：题目】"
    assert copy_of(out, "shop-a", "tip", "2026-12-14") == "今晚小知识：【待填：题目】"
    assert copy_of(out, "shop-a", "tip", "2026-12-10") == "今晚小知识：香蕉怎么放"
    lines = [line for line in printed.splitlines() if ": warning: " in line]
    (missing,) = [line for line in lines if "'tip' on 2026-12-17" in line and "shop-a" in line]
    assert missing.startswith("content/plans/selection.csv: warning:")
    assert "no plan row (题目)" in missing and "add a row for slot tip, date 2026-12-17" in missing
    (empty,) = [line for line in lines if "'tip' on 2026-12-14" in line and "shop-a" in line]
    row = 1 + [i for i, r in enumerate(selection_rows(), 1) if r.get("date") == "2026-12-14"][-1]
    column = SELECTION_COLUMNS.index("题目") + 1
    assert empty.startswith(f"content/plans/selection.csv:{row}:{column}: warning:")
    assert "empty in its plan row: 题目" in empty
    # an optional column read with {% if %} is no warning; two shops, two unfilled tips each
    assert not any("备注" in line for line in lines)
    assert len([line for line in lines if "'tip' on" in line]) == 4


def test_check_as_of_fails_with_one_line_per_unfilled_occurrence_in_its_window(held_out) -> None:
    root, _, _ = held_out
    result = run_cli("check", "--root", str(root), "--as-of", "2026-12-14", "--ahead", "7")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 4, errors  # 12-14 and 12-17, in each shop
    assert all("not ready: slot 'tip' on 2026-12-1" in line for line in errors)
    # before its window everything is ready: the same warnings only, and --strict says so
    ready = run_cli("check", "--root", str(root), "--as-of", "2026-12-07", "--ahead", "7")
    assert ready.returncode == 0, ready.stderr
    assert "posts from 2026-12-07 to 2026-12-13 are ready" in ready.stdout
    assert run_cli("check", "--root", str(root), "--as-of", "2026-12-07", "--strict").returncode
    assert run_cli("check", "--root", str(root), "--ahead", "3").returncode == 2


# --- posters -----------------------------------------------------------------------------------


def image_box(layout: str, key: str = "image", shape: str = "square") -> list[float]:
    """Where a layout puts a poster's photo: a square poster's own `with_image` boxes, if it has
    them, else the tall poster's."""
    spec = yaml.safe_load((BUILTIN_THEMES / "default/posters" / f"{layout}.yml").read_text())
    variant = spec.get(shape, {}).get("with_image") or spec["with_image"]
    return {**spec["with_image"]["elements"], **variant["elements"]}[key]["box"]


def crop(image: Image.Image, box: list[float]) -> Image.Image:
    width, height = image.size
    x, y, w, h = box
    return image.crop(
        (round(x * width), round(y * height), round((x + w) * width), round((y + h) * height))
    )


def test_per_occurrence_posters_show_their_photo_and_price_and_a_code_that_scans(
    held_out,
) -> None:
    _, out, _ = held_out
    folder = out / "shop-a/posters/offer"
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"{START + dt.timedelta(days=n)}.png" for n in range(14)]
    assert (out / "shop-a/posters/card.png").is_file()  # reads neither occurrence nor plan
    for name, colour in (("2026-12-07.png", "red"), ("2026-12-08.png", "red")):
        poster = Image.open(folder / name).convert("RGB")
        assert poster.size == (1080, 1080)
        middle = crop(poster, image_box("offer")).resize((1, 1), Image.Resampling.BOX)
        shade = middle.getpixel((0, 0))
        assert all(abs(a - b) < 30 for a, b in zip(shade, COLOURS[colour], strict=True)), shade
        assert [r.text for r in zxingcpp.read_barcodes(poster)] == ["https://example.com/j/shop-a"]
    banana = crop(Image.open(folder / "2026-12-08.png").convert("RGB"), image_box("offer"))
    assert banana.getpixel((banana.width // 2, banana.height // 2))[2] < 100  # not yellow: cherry
    # 12-07 and 12-13: the same apple and photo, 5.98 then 6.98: only the lines (the price) differ
    first = Image.open(folder / "2026-12-07.png").convert("RGB")
    dearer = Image.open(folder / "2026-12-13.png").convert("RGB")
    left, top, right, bottom = ImageChops.difference(first, dearer).getbbox()
    x, y, w, h = image_box("offer", "lines")
    assert x * 1080 - 2 <= left and right <= (x + w) * 1080 + 2
    assert y * 1080 - 2 <= top and bottom <= (y + h) * 1080 + 2


def test_every_occurrence_links_its_own_poster(held_out) -> None:
    _, out, _ = held_out
    rows = [r for r in sop_rows(out, "shop-a") if r["slot"] == "offer"]
    assert [r["poster"] for r in rows] == [f"posters/offer/{r['date']}.png" for r in rows]
    page = (out / "shop-a/sop.html").read_text(encoding="utf-8")
    handbook = (out / "shop-a/handbook.html").read_text(encoding="utf-8")
    for row in rows:
        assert f'href="{row["poster"]}"' in page and f'href="{row["poster"]}"' in handbook
    calendar = icalendar.Calendar.from_ical((out / "shop-a/sop.ics").read_bytes())
    attached = sorted(str(e["ATTACH"]) for e in calendar.walk("VEVENT") if "ATTACH" in e)
    assert attached == sorted(f"https://ops.example.com/shop-a/{r['poster']}" for r in rows)
    # the handbook shows one picture per poster, not one per occurrence
    pictures = re.findall(r'<img src="(posters/[^"]+)"', handbook)
    assert pictures == ["posters/offer/2026-12-07.png", "posters/card.png"]


def test_a_picture_is_read_once_however_many_posters_place_it(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "proj")
    opened: list[str] = []
    real_open = Image.open

    def counting_open(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if "outputs/posters.py" in inspect.stack()[1].filename:
            opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Image, "open", counting_open)
    result = build(Options(root, tmp_path / "dist", pdf=False, jobs=1), Session())
    assert not result.failed(), result.report.diagnostics
    posters = [p for p in result.written if "/posters/offer/" in p]
    assert len(posters) == 28  # two shops, 14 days
    assert sorted(opened) == ["orange.jpg", "red.jpg", "yellow.jpg"]


# --- mistakes ----------------------------------------------------------------------------------


def replace_in_csv(path: Path, old: str, new: str, encoding: str = "gb18030") -> None:
    text = path.read_bytes().decode(encoding)
    assert old in text
    path.write_bytes(text.replace(old, new, 1).encode(encoding))


def bad_date(root: Path) -> str:
    replace_in_csv(root / "content/plans/selection.csv", "offer,2026-12-09,", "offer,2026-12-32,")
    return r"content/plans/selection\.csv:4:2: error: 'date' is '2026-12-32', not a date"


def unknown_slot(root: Path) -> str:
    replace_in_csv(root / "content/plans/selection.csv", "offer,2026-12-09,", "ofer,2026-12-09,")
    return (
        r"content/plans/selection\.csv:4:1: error: unknown slot 'ofer' \(did you mean 'offer'\?\)"
    )


def duplicate_row(root: Path) -> str:
    path = root / "content/plans/selection.csv"
    lines = path.read_bytes().decode("gb18030").split("\r\n")
    lines.insert(5, lines[3])  # the 12-09 row again, as row 6
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    return (
        r"content/plans/selection\.csv:6:2: error: slot 'offer' on 2026-12-09 has two rows: "
        r"row 4 and row 6"
    )


def missing_picture(root: Path) -> str:
    replace_in_csv(
        root / "content/plans/selection.csv",
        "content/assets/yellow.jpg",
        "content/assets/yelow.jpg",
    )
    column = SELECTION_COLUMNS.index("图片") + 1
    return (
        rf"content/plans/selection\.csv:3:{column}: error: '图片' cell names a file that does not "
        r"exist: 'content/assets/yelow\.jpg'"
    )


def unknown_slot_in_a_workbook(root: Path) -> str:
    book = openpyxl.load_workbook(root / "content/plans/syllabus.xlsx")
    book["直播"]["A2"] = "lve"
    book.save(root / "content/plans/syllabus.xlsx")
    return (
        r"content/plans/syllabus\.xlsx:2:1: error: unknown slot 'lve' in sheet 直播 "
        r"\(did you mean 'live'\?\)"
    )


@pytest.mark.parametrize(
    "mistake", [bad_date, unknown_slot, duplicate_row, missing_picture, unknown_slot_in_a_workbook]
)
def test_a_mistake_in_a_sheet_is_exit_1_at_its_cell_and_leaves_dist_as_it_was(
    held_out, tmp_path: Path, mistake
) -> None:
    built_root, built_out, _ = held_out
    root, out = tmp_path / "proj", tmp_path / "dist"
    shutil.copytree(built_root, root)
    shutil.copytree(built_out, out)
    before = snapshot(out)
    expected = mistake(root)
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(rf"^{expected}", result.stderr, re.M), result.stderr
    assert snapshot(out) == before


# --- incremental -------------------------------------------------------------------------------


def test_editing_one_row_rebuilds_only_the_texts_and_posters_of_its_occurrences(
    tmp_path: Path,
) -> None:
    root, out = make_project(tmp_path / "proj"), tmp_path / "dist"
    session = Session()
    first = build(Options(root, out, pdf=False), session)
    assert not first.failed() and len(first.written) > 50
    # shop-a's own row for 12-08: its texts and that one poster, nothing of shop-b or the courses
    replace_in_csv(root / "content/plans/selection.csv", "A店车厘子,39.9", "A店车厘子,35.9")
    edited = build(Options(root, out, pdf=False), session)
    texts = ["handbook.html", "sop.csv", "sop.html", "sop.ics", "sop.xlsx", "index.html"]
    days = {path for path in edited.written if path.startswith("days/")}
    assert days <= {"days/2026-12-07.html", "days/2026-12-08.html"}  # the dates around the row
    assert sorted(set(edited.written) - days) == sorted(
        [f"shop-a/{name}" for name in texts]
        + ["shop-a/posters/offer/2026-12-08.png", "scrm/sop-rules.xlsx"]
    )
    assert "35.9" in copy_of(out, "shop-a", "offer", "2026-12-08")
    # a row for every group: both shops (the same date's poster each); a fresh process agrees
    replace_in_csv(
        root / "content/plans/selection.csv",
        "offer,2026-12-12,,香蕉,2.50",
        "offer,2026-12-12,,香蕉,2.60",
    )
    again = build(Options(root, out, pdf=False))
    fonts = {path for path in again.written if path.endswith(".woff2")}  # made again: no new
    assert fonts <= set(again.unchanged)  # character, the same bytes, dist/ keeps its file
    assert sorted(set(again.written) - fonts) == sorted(
        [f"{slug}/{name}" for slug in ("shop-a", "shop-b") for name in texts]
        + [f"{slug}/posters/offer/2026-12-12.png" for slug in ("shop-a", "shop-b")]
        + ["scrm/sop-rules.xlsx"]
    )
    # a row no occurrence reads (after every span): nothing at all
    path = root / "content/plans/selection.csv"
    with path.open("a", encoding="gb18030", newline="") as stream:
        stream.write("offer,2027-03-01,,梨,3,斤,content/assets/red.jpg,,\r\n")
    last = build(Options(root, out, pdf=False), session)
    # nothing but a group's font checked again after the fresh process's build (same bytes)
    assert set(last.written) <= {"shop-a/cjk.woff2", "shop-b/cjk.woff2"} & set(last.unchanged)
