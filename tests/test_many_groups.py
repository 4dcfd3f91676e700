"""Many groups, many staff: groups from sheets and sub-folders with defaults, people.yml, and the
pages across groups (run sheets, people's calendars, days, tags, the index), read back as a user
would: icalendar, openpyxl, the HTML's links."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import icalendar
import openpyxl
import pytest
from conftest import run_cli, write_project

from playpress.build import Options, build
from playpress.load import load_project
from playpress.load.cache import CACHE_FILE
from playpress.session import Session

SHOP = """
---
title: 社区水果店
type: product
roles:
  - {id: manager, title: 店长}
  - {id: assistant, title: 群助理}
welcome: "欢迎来到{{ group.name }}！有事找{{ group.people.assistant }}。"
sop:
  - id: morning
    when: daily 08:30
    post: 今日到货
    kind: activity
    owner: assistant
    send: mass
    poster: offer
    prep:
      - {owner: manager, at: "-1d 21:00", task: 定好明天的特价}
      - {owner: assistant, at: "-30m", task: 拍到货图}
    copy: "早上好！今天到货，{{ group.vars.pickup }}自提。"
  - id: noon
    when: daily 11:30
    post: 午间秒杀
    kind: activity
    owner: assistant
    copy: "11:30 秒杀开始，找{{ group.people.assistant }}下单。"
  - id: weekly
    when: mon 19:00
    post: 周一复盘
    kind: notice
    owner: manager
posters:
  - {id: offer, size: square, title: "{{ group.name }}", cta: 扫码进群}
---
"""
PEOPLE = """
- {id: ana, name: 安娜, wecom: anna01, phone: "138 0000 0001"}
- {id: bo, name: 薄波, wecom: bobo}
- {id: cy, name: 陈雨}
- {id: dee, name: 邓娥}
"""
NORTH_DEFAULTS = """
playbook: shop
days: 7
people: {manager: bo}
vars: {pickup: 下午3点后, city: 北城}
tags: [北区]
"""
DEEP_DEFAULTS = """
vars: {pickup: 下午5点后}
people: {assistant: cy}
"""
NORTH_A = """
---
name: 北区A店
start: 2026-12-07
join_url: https://example.com/j/north-a
people: {assistant: ana}
---
"""
NORTH_B = """
---
name: 北区B店
start: 2026-12-07
join_url: https://example.com/j/north-b
tags: [北区, 深巷]
---
"""
HEADER = ["slug", "name", "playbook", "start", "days", "tags", "join_url", "people.assistant",
          "people.manager", "vars.pickup"]  # fmt: skip
HANGZHOU = [
    ["hz-1", "杭州一店", "shop", dt.date(2026, 12, 7), 7, "杭州;老小区", "https://e.com/j/1",
     "ana", "bo", "下午3点后"],
    ["hz-2", "杭州二店", "shop", dt.date(2026, 12, 7), 7, "杭州", "https://e.com/j/2",
     "ana", "bo", "下午4点后"],
]  # fmt: skip
NINGBO = [
    ["nb-1", "宁波一店", "shop", "2026-12-08", 7, "宁波", "https://e.com/j/3", "dee", "bo",
     "下午3点后"],
    ["nb-2", "宁波二店", "shop", "2026-12-08", 7, "宁波;老小区", "https://e.com/j/4", "dee",
     "王店长", "下午3点后"],
]  # fmt: skip


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def chain_project(root: Path) -> Path:
    write_project(
        root,
        {
            "playbooks/shop.md": SHOP,
            "content/people.yml": PEOPLE,
            "content/groups/north/_defaults.yml": NORTH_DEFAULTS,
            "content/groups/north/a.md": NORTH_A,
            "content/groups/north/deep/_defaults.yml": DEEP_DEFAULTS,
            "content/groups/north/deep/b.md": NORTH_B,
        },
    )
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": HANGZHOU, "宁波": NINGBO}))
    return root


def run(root: Path, out: Path, **options: object) -> object:
    result = build(Options(root.resolve(), out.resolve(), pdf=False, **options))  # type: ignore[arg-type]
    assert not result.bug, result.bug
    assert not result.report.errors, [str(d) for d in result.report.errors]
    return result


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The chain project, built once (no PDFs): (root, dist)."""
    root = chain_project(tmp_path_factory.mktemp("chain") / "proj")
    out = root.parent / "dist"
    run(root, out)
    return root, out


def messages(root: Path) -> list[str]:
    return [str(d) for d in load_project(root).report.sorted()]


# --- groups from sheets and folders -----------------------------------------------------------


def test_sheet_rows_and_folder_groups_are_groups_like_any_other(chain: tuple[Path, Path]):
    root, _ = chain
    loaded = load_project(root)
    assert [str(d) for d in loaded.report.diagnostics] == []
    groups = loaded.project.groups
    assert sorted(groups) == ["a", "b", "hz-1", "hz-2", "nb-1", "nb-2"]
    hz1 = groups["hz-1"]
    assert (hz1.path, hz1.start, hz1.days, hz1.tags) == (
        "content/groups.xlsx",
        dt.date(2026, 12, 7),
        7,
        ("杭州", "老小区"),
    )
    assert groups["nb-1"].start == dt.date(2026, 12, 8)  # a date typed as text
    assert hz1.people == {"assistant": "安娜", "manager": "薄波"}
    assert hz1.people_ids == {"assistant": "ana", "manager": "bo"}
    assert groups["nb-2"].people == {"assistant": "邓娥", "manager": "王店长"}  # a plain name
    assert groups["nb-2"].people_ids == {"assistant": "dee"}
    # folder defaults: mappings merge key by key, lists are replaced, a deeper folder wins
    a, b = groups["a"], groups["b"]
    assert (a.playbook, a.days, a.tags) == ("shop", 7, ("北区",))
    assert a.people_ids == {"manager": "bo", "assistant": "ana"}
    assert a.vars == {"pickup": "下午3点后", "city": "北城"}
    assert b.vars == {"pickup": "下午5点后", "city": "北城"} and b.tags == ("北区", "深巷")
    assert b.people_ids == {"manager": "bo", "assistant": "cy"}
    assert b.sources == (
        "content/groups/north/deep/b.md",
        "content/groups/north/_defaults.yml",
        "content/groups/north/deep/_defaults.yml",
    )


def test_a_sheet_group_is_the_same_model_object_as_a_file_group(tmp_path: Path):
    row = ["same", "同一个群", "shop", dt.date(2026, 12, 7), 7, "杭州;老小区", "https://e.com/j",
           "ana", "bo", "下午3点后"]  # fmt: skip
    sheet = write_project(tmp_path / "s", {"playbooks/shop.md": SHOP, "content/people.yml": PEOPLE})
    (sheet / "content/groups.csv").write_text(
        ",".join(HEADER) + "\n" + ",".join(str(v) for v in row) + "\n", encoding="utf-8"
    )
    files = write_project(
        tmp_path / "f",
        {
            "playbooks/shop.md": SHOP,
            "content/people.yml": PEOPLE,
            "content/groups/same.md": """
                ---
                name: 同一个群
                playbook: shop
                start: 2026-12-07
                days: 7
                tags: [杭州, 老小区]
                join_url: https://e.com/j
                people: {assistant: ana, manager: bo}
                vars: {pickup: 下午3点后}
                ---
            """,
        },
    )
    from_sheet = load_project(sheet).project.groups["same"]
    from_file = load_project(files).project.groups["same"]
    where = ("path", "key_lines", "body_line", "inputs", "sheet", "slug_at", "people_at")
    where += ("fingerprint",)
    assert (
        dataclasses.replace(from_sheet, **{name: getattr(from_file, name) for name in where})
        == from_file
    )


def test_problems_in_rows_name_path_row_column_and_sheet(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    bad_hz = [list(r) for r in HANGZHOU]
    bad_hz[0][2] = "shp"  # unknown playbook
    bad_hz[1][3] = "2026-13-40"  # a bad date
    bad_nb = [list(r) for r in NINGBO]
    bad_nb[0][7] = "deee"  # an unknown person id
    bad_nb[1][0] = "A"  # a case-only duplicate of a.md
    bad_nb.append(list(NINGBO[0]))  # a duplicate slug within the workbook
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": bad_hz, "宁波": bad_nb}))
    found = messages(root)
    assert found == [
        "content/groups.xlsx:2:3: error: unknown playbook 'shp' in sheet 杭州 "
        "(did you mean 'shop'?)",
        "content/groups.xlsx:2:8: error: unknown person 'deee' as people.assistant in sheet 宁波: "
        "not an id in content/people.yml (did you mean 'dee'?)",
        "content/groups.xlsx:3:1: error: group 'A' in sheet 宁波 and 'a' "
        "(content/groups/north/a.md) differ only in case: their output folders collide on Windows "
        "and macOS (rename one of them)",
        "content/groups.xlsx:3:4: error: 'start' is '2026-13-40', not a date in sheet 杭州 "
        "(write the date as YYYY-MM-DD, e.g. 2026-12-01)",
        "content/groups.xlsx:4:1: error: duplicate group slug 'nb-1' in sheet 宁波: also "
        "content/groups.xlsx:2 (sheet 宁波) (give each group its own slug (it names the group's "
        "output folder))",
    ]


def test_a_group_cannot_take_the_name_of_a_site_folder(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    (root / "content/groups/people.md").write_text(NORTH_A, encoding="utf-8")
    rows = [list(r) for r in NINGBO]
    rows[1][0] = "Days"
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": HANGZHOU, "宁波": rows}))
    assert messages(root) == [
        "content/groups.xlsx:3:1: error: group slug 'Days' in sheet 宁波 is taken by the site's "
        "days/ folder (give the group another slug)",
        "content/groups/people.md:1: error: group slug 'people' is taken by the site's people/ "
        "folder (give the group another slug)",
    ]


def test_every_site_wide_folder_is_reserved():
    from playpress.load.group_sources import SITE_FOLDERS
    from playpress.outputs.kinds import KINDS, Each

    tops = set()
    for kind in KINDS:
        if isinstance(kind.files, str):
            tops.add(kind.files.split("/")[0])
        elif isinstance(kind.files, Each):
            tops.add(kind.files.pattern.split("/")[0])
    tops.add("join")  # join pages are per group, in the site's join/ folder
    assert tops <= SITE_FOLDERS


def test_a_bad_row_fails_the_build_with_its_cell_and_leaves_dist_as_it_was(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf").returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rows = [list(r) for r in HANGZHOU]
    rows[1][7] = "anna"
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": rows, "宁波": NINGBO}))
    done = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "content/groups.xlsx:3:8: error: unknown person 'anna'" in done.stderr
    assert "did you mean 'ana'?" in done.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_value_from_defaults_is_reported_in_the_defaults_file(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    (root / "content/groups/north/_defaults.yml").write_text(
        NORTH_DEFAULTS.replace("days: 7", "days: seven") + "colour: red\n", encoding="utf-8"
    )
    found = messages(root)
    assert "content/groups/north/_defaults.yml:3:1: error: 'days' is 'seven' (write a whole " in (
        "\n".join(found)
    )
    assert any(
        m.startswith("content/groups/north/_defaults.yml:7:1: error: unknown key 'colour'")
        for m in found
    )
    assert not any(m.startswith("content/groups/north/a.md") for m in found)


def test_a_name_that_is_a_persons_name_is_flagged(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    (root / "content/groups/north/a.md").write_text(
        NORTH_A.replace("assistant: ana", "assistant: 安娜").lstrip(), encoding="utf-8"
    )
    assert any(
        "people.assistant '安娜' is the name of person 'ana'" in m and "warning" in m
        for m in messages(root)
    )


def test_only_tag_builds_exactly_the_tagged_groups(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    out = tmp_path / "dist"
    done = run_cli(
        "build", "--root", str(root), "--out", str(out), "--no-pdf", "--only", "tag:老小区"
    )
    assert done.returncode == 0, done.stderr
    folders = {p.name for p in out.iterdir() if (p / "welcome.txt").is_file()}
    assert folders == {"hz-1", "nb-2"}
    unknown = run_cli("build", "--root", str(root), "--out", str(out), "--only", "tag:nowhere")
    assert unknown.returncode == 2 and "tag:nowhere" in unknown.stderr


# --- people, prep, send ------------------------------------------------------------------------


def test_person_calendar_merges_the_same_post_across_groups(chain: tuple[Path, Path]):
    _, out = chain
    calendar = icalendar.Calendar.from_ical((out / "people/ana/sop.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    # ana: assistant of hz-1, hz-2 (sheet, 2026-12-07..13) and a (file, 2026-12-07..13)
    first = [e for e in events if e.decoded("DTSTART").date() == dt.date(2026, 12, 7)]
    summaries = sorted(str(e["SUMMARY"]) for e in first)
    assert summaries == sorted(
        [
            "今日到货 ×3个群",
            "午间秒杀 ×3个群",
            "准备：拍到货图 ×3个群",
        ]
    )
    morning = next(e for e in first if str(e["SUMMARY"]) == "今日到货 ×3个群")
    start = morning.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (8, 30, "Asia/Shanghai")
    text = str(morning["DESCRIPTION"])
    assert "北区A店、杭州一店、杭州二店" in text and "群发" in text
    assert "【北区A店、杭州一店】\n早上好！今天到货，下午3点后自提。" in text
    assert "【杭州二店】\n早上好！今天到货，下午4点后自提。" in text
    prep = next(e for e in first if "准备" in str(e["SUMMARY"]))
    assert prep.decoded("DTSTART").strftime("%H:%M") == "08:00"
    # every post of her roles over the span, once per time and post
    assert len([e for e in events if "准备" not in str(e["SUMMARY"])]) == 7 * 2
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_person_calendar_of_one_group_names_it_and_prep_of_the_day_before(
    chain: tuple[Path, Path],
):
    _, out = chain
    events = list(
        icalendar.Calendar.from_ical((out / "people/cy/sop.ics").read_bytes()).walk("VEVENT")
    )
    assert {str(e["SUMMARY"]) for e in events} == {
        "【北区B店】今日到货",
        "【北区B店】午间秒杀",
        "【北区B店】准备：拍到货图",
    }
    bo = list(icalendar.Calendar.from_ical((out / "people/bo/sop.ics").read_bytes()).walk("VEVENT"))
    tasks = [e for e in bo if "定好明天的特价" in str(e["SUMMARY"])]
    # bo manages all six groups: hz-1, hz-2, a, b from 12-07, nb-1 from 12-08 (nb-2's manager is
    # a plain name); the task is due at 21:00 the day before each morning post
    first = min(tasks, key=lambda e: e.decoded("DTSTART"))
    assert first.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2026, 12, 6, 21, 0)
    assert str(first["SUMMARY"]) == "准备：定好明天的特价 ×4个群"
    later = [e for e in tasks if e.decoded("DTSTART").date() == dt.date(2026, 12, 7)]
    assert [str(e["SUMMARY"]) for e in later] == ["准备：定好明天的特价 ×5个群"]
    mondays = [e for e in bo if "周一复盘" in str(e["SUMMARY"])]
    assert len(mondays) == 2 and str(mondays[0]["SUMMARY"]) == "周一复盘 ×4个群"


def test_run_sheet_lists_what_the_calendar_holds(chain: tuple[Path, Path]):
    _, out = chain
    page = (out / "people/ana/index.html").read_text(encoding="utf-8")
    events = list(
        icalendar.Calendar.from_ical((out / "people/ana/sop.ics").read_bytes()).walk("VEVENT")
    )
    times = re.findall(r'<div class="when"><time>(\d\d:\d\d)</time>', page)
    assert len(times) == len(events)
    assert sorted(times) == sorted(e.decoded("DTSTART").strftime("%H:%M") for e in events)
    assert page.count('data-copy="copy-') >= 14 and "企业微信：anna01" in page
    assert "../../hz-1/posters/offer.png" in page  # poster thumbnails of each group
    assert 'id="d2026-12-07" data-date="2026-12-07"' in page
    # no wall-clock date on the page: "today" is the reader's, found by its script
    assert dt.date.today().isoformat() not in page.replace("2026-12", "")


def test_day_page_lists_every_post_of_that_date(chain: tuple[Path, Path]):
    root, out = chain
    page = (out / "days/2026-12-08.html").read_text(encoding="utf-8")
    csv_rows = 0
    for csv_file in out.glob("*/sop.csv"):
        csv_rows += sum(1 for line in csv_file.read_text(encoding="utf-8-sig").splitlines()
                        if line.startswith("2026-12-08,"))  # fmt: skip
    assert csv_rows == 6 * 2 + 0  # six groups, two daily posts (12-08 is a Tuesday)
    groups_shown = sum(
        len(re.findall(r'<a href="\.\./[^"]+/index.html">', cell))
        for cell in re.findall(r'<td class="groups">(.*?)</td>', page)
    )
    assert groups_shown == csv_rows
    assert "12条发布 · 6个群" in page
    assert page.index("08:30") < page.index("11:30")
    assert '<a href="../people/ana/index.html">安娜</a>' in page and "王店长" not in page


def test_sop_xlsx_holds_the_csv_rows_with_real_dates(chain: tuple[Path, Path]):
    root, out = chain
    book = openpyxl.load_workbook(out / "hz-1/sop.xlsx")
    sheet = book.active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    lines = (out / "hz-1/sop.csv").read_text(encoding="utf-8-sig").splitlines()
    import csv

    expected = list(csv.reader(lines))
    assert rows[0] == expected[0] and len(rows) == len(expected)
    for got, want in zip(rows[1:], expected[1:], strict=True):
        assert isinstance(got[0], dt.datetime) and got[0].date().isoformat() == want[0]
        assert [("" if v is None else str(v)) for v in got[1:]] == want[1:]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.cell(2, 10).alignment.wrap_text or "\n" not in str(sheet.cell(2, 10).value)
    out2 = root.parent / "dist-again"
    run(root, out2, only=("hz-1",))
    assert (out2 / "hz-1/sop.xlsx").read_bytes() == (out / "hz-1/sop.xlsx").read_bytes()
    shutil.rmtree(out2)


def test_scrm_rules_one_row_per_slot_and_text(chain: tuple[Path, Path]):
    _, out = chain
    book = openpyxl.load_workbook(out / "scrm/sop-rules.xlsx")
    assert book.sheetnames == ["社区水果店"]
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:8] == ["规则名称", "运营手册模板", "时段ID", "适用群", "群数", "推送方式",
                          "推送日期/周期", "推送时间"]  # fmt: skip
    by_slot: dict[str, list[list[object]]] = {}
    for row in rows[1:]:
        by_slot.setdefault(row[2], []).append(row)
    # morning's text depends on the pickup time: 3, 4 and 5 o'clock
    assert len(by_slot["morning"]) == 3
    assert {r[5] for r in rows[1:]} == {"按周"} and by_slot["weekly"][0][6] == "周一"
    assert by_slot["morning"][0][6] == "每天" and by_slot["morning"][0][7] == "08:30"
    assert by_slot["morning"][0][9] == "posters/offer.png" and by_slot["morning"][0][11] == "群发"
    assert sum(r[4] for r in by_slot["morning"]) == 6


def test_wecom_warnings_two_mass_posts_a_day_and_a_long_welcome(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    shop = (root / "playbooks/shop.md").read_text(encoding="utf-8")
    shop = shop.replace(
        '    owner: assistant\n    copy: "11:30',
        '    owner: assistant\n    send: mass\n    copy: "11:30',
        1,
    )
    shop = shop.replace('welcome: "欢迎', 'welcome: "' + "长" * 1001 + "欢迎", 1)
    (root / "playbooks/shop.md").write_text(shop, encoding="utf-8")
    found = [m for m in messages(root) if "warning" in m]
    mass = [m for m in found if "'send: mass'" in m]
    assert len(mass) == 1 and mass[0].startswith("playbooks/shop.md:")
    assert "slots 'morning' and 'noon' are both 'send: mass' on the same day" in mass[0]
    welcome = [m for m in found if "bytes" in m]
    assert len(welcome) == 6 and "more than the 3,000 WeCom takes" in welcome[0]


def test_person_load_check(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    site = "limits: {person_posts_per_10min: 2}\n"
    (root / "content/site.yml").write_text(site, encoding="utf-8")
    found = [m for m in messages(root) if "within 10 minutes" in m]
    # ana: three groups at 08:30 and at 11:30; bo: four groups' 19:00 on mondays; dee: two
    assert len(found) == 2
    assert found[0].startswith("content/people.yml:1: warning: 安娜 (ana) has 3 posts within 10 ")
    assert "from 2026-12-07 08:30 (Asia/Shanghai), in a, hz-1, hz-2" in found[0]
    assert found[1].startswith("content/people.yml:2: warning: 薄波 (bo) has 4 posts")


def test_prep_times_are_checked(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    shop = (root / "playbooks/shop.md").read_text(encoding="utf-8")
    shop = shop.replace('at: "-30m"', 'at: "30 minutes before"').replace(
        'at: "-1d 21:00"', 'at: "-0d 09:00"'
    )
    (root / "playbooks/shop.md").write_text(shop, encoding="utf-8")
    found = messages(root)
    assert any("'sop[0].prep[1].at' is '30 minutes before'" in m for m in found)
    assert any("prep task '定好明天的特价' at '-0d 09:00' is not before the post (08:30)" in m
               for m in found)  # fmt: skip


# --- the pages: links, sizes, incremental ------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def broken_links(out: Path) -> dict[str, list[str]]:
    """Every href and src of every HTML page of dist/ that does not name a file in dist/."""
    broken: dict[str, list[str]] = {}
    pages = [p for p in out.rglob("*.html") if ".playpress" not in p.parts]
    assert pages
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto", "data") or link.startswith("#"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            inside = out.resolve() in target.parents
            if target.is_dir():
                target = target / "index.html"
            if not inside or not target.is_file():
                broken.setdefault(str(page.relative_to(out)), []).append(link)
    return broken


def test_every_link_of_every_page_resolves(chain: tuple[Path, Path]):
    _, out = chain
    assert broken_links(out) == {}
    assert (out / "tags/老小区/index.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="tags/%E8%80%81%E5%B0%8F%E5%8C%BA/index.html"' in index


def test_every_link_of_the_example_resolves(example_dist: Path):
    assert broken_links(example_dist) == {}
    assert (example_dist / "xianguo-wulin/index.html").is_file()


def test_index_of_many_groups_stays_small(tmp_path: Path):
    rows = [
        [f"g{n:04d}", f"鲜果铺·门店{n:04d}福利群", "shop", dt.date(2026, 12, 7), 7,
         "杭州;老小区", f"https://e.com/j/{n}", "ana", "bo", "下午3点后"]
        for n in range(400)
    ]  # fmt: skip
    root = write_project(tmp_path / "p", {"playbooks/shop.md": SHOP, "content/people.yml": PEOPLE})
    (root / "content/groups.xlsx").write_bytes(workbook({"门店": rows}))
    project = load_project(root).project
    from playpress.outputs.job import Job, Output
    from playpress.outputs.site_index import index_html
    from playpress.theme import Theme

    page = index_html(
        Job(project, Theme(project.theme), Output(0, "index.html", "index"), tmp_path)
    )
    assert len(page) / 400 * 2000 < 2_000_000  # 2,000 such groups: under 2 MB


def test_a_run_sheet_of_many_groups_lists_them_once(tmp_path: Path):
    rows = [
        [f"g{n:02d}", f"门店{n:02d}", "shop", dt.date(2026, 12, 7), 7, "杭州", f"https://e.com/{n}",
         "ana", "bo" if n < 20 else "cy", ("下午3点后", "下午4点后")[n % 2]]
        for n in range(30)
    ]  # fmt: skip
    root = write_project(tmp_path / "p", {"playbooks/shop.md": SHOP, "content/people.yml": PEOPLE})
    (root / "content/groups.xlsx").write_bytes(workbook({"门店": rows}))
    out = tmp_path / "dist"
    run(root, out)
    ana = (out / "people/ana/index.html").read_text(encoding="utf-8")
    # every post of ana goes to all her 30 groups: each links to her list of groups
    assert ana.count('<a href="#my-groups">全部30个群</a>') == 7 * 2 + 7  # posts, prep tasks
    assert ana.count("门店07") == 1 + 1  # her groups' list, and the one list of its texts
    assert ana.count('<details id="groups-') == 2  # the 15 groups of each pickup time, once
    assert ana.count('<a href="#groups-1">同上15个群</a>') == 7 - 1  # the morning post's texts
    bo = (out / "people/bo/index.html").read_text(encoding="utf-8")
    assert bo.count('<details id="groups-1"><summary>20个群</summary>') == 0  # all of bo's
    assert broken_links(out) == {}
    events = icalendar.Calendar.from_ical((out / "people/ana/sop.ics").read_bytes()).walk("VEVENT")
    text = str(next(e for e in events if str(e["SUMMARY"]) == "今日到货 ×30个群")["DESCRIPTION"])
    first = text.splitlines()[0]
    assert first.startswith("社群：门店00、门店01") and first.endswith("门店11 … (30个群)")


def written_groups(result: object) -> set[str]:
    return {p.split("/")[0] for p in result.written}  # type: ignore[attr-defined]


def test_editing_one_row_rebuilds_that_group_and_the_pages_that_list_it(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    out = tmp_path / "dist"
    run(root, out)
    rows = [list(r) for r in NINGBO]
    rows[0][9] = "下午6点后"
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": HANGZHOU, "宁波": rows}))
    result = run(root, out)
    written = set(result.written)
    site_wide = {"people", "days", "tags", "index.html", "scrm", "join"}
    assert {p.split("/")[0] for p in written} - site_wide == {"nb-1"}
    assert {p for p in written if p.startswith("join/")} == {"join/nb-1/index.html",
                                                            "join/index.html"}  # fmt: skip
    people = {p for p in written if p.startswith("people/")}
    assert people == {"people/dee/index.html", "people/dee/sop.ics", "people/bo/index.html",
                      "people/bo/sop.ics"}  # fmt: skip
    days = {p for p in written if p.startswith("days/")}
    assert days == {f"days/2026-12-{d:02d}.html" for d in range(8, 15)} | {"days/index.html"}
    assert {p for p in written if p.startswith("tags/")} == {"tags/宁波/index.html"}
    assert "index.html" in written and "scrm/sop-rules.xlsx" in written
    # its 11 files (its pages' font among them: the site-wide pages' bytes did not change, so
    # their fonts are current), people, days, tag, index, scrm, its join page and the join list
    assert "nb-1/cjk.woff2" in written
    assert len(written) == 11 + 4 + 8 + 1 + 2 + 2


def test_editing_people_rebuilds_only_what_shows_the_people_changed(tmp_path: Path):
    root = chain_project(tmp_path / "proj")
    out = tmp_path / "dist"
    run(root, out)
    people = root / "content/people.yml"
    people.write_text(PEOPLE.replace('phone: "138 0000 0001"', 'phone: "139 0000 0001"'), "utf-8")
    assert set(run(root, out).written) == {"people/ana/index.html", "people/ana/sop.ics"}
    people.write_text(people.read_text("utf-8").replace("name: 陈雨", "name: 陈小雨"), "utf-8")
    written = set(run(root, out).written)
    assert {p.split("/")[0] for p in written} >= {"b", "people", "index.html"}
    assert not {p for p in written if p.split("/")[0] in ("a", "hz-1", "hz-2", "nb-1", "nb-2")}
    # cy's pages, and bo's: bo manages cy's group, whose texts may name its assistant
    assert {p for p in written if p.startswith("people/")} == {
        "people/cy/index.html",
        "people/cy/sop.ics",
        "people/bo/index.html",
        "people/bo/sop.ics",
    }
    assert "陈小雨" in (out / "b/welcome.txt").read_text(encoding="utf-8")


def test_pages_kept_up_to_date_in_a_session_are_the_bytes_of_a_fresh_build(tmp_path: Path):
    """A watch session updates a person's duties group by group: the result is what a build from
    scratch makes, also when a group moves from one person to another."""
    root = chain_project(tmp_path / "proj")
    out = tmp_path / "dist"
    session = Session()
    build(Options(root.resolve(), out.resolve(), pdf=False), session)
    rows = [list(r) for r in HANGZHOU]
    rows[0][9] = "下午6点后"  # hz-1: another text
    rows[1][7] = "cy"  # hz-2: from ana to cy
    rows.append(["hz-0", "杭州零店", "shop", dt.date(2026, 12, 9), 3, "杭州", "https://e.com/j/0",
                 "ana", "bo", "下午3点后"])  # fmt: skip
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": rows, "宁波": NINGBO}))
    result = build(Options(root.resolve(), out.resolve(), pdf=False), session)
    assert not result.report.errors and "people/cy/index.html" in result.written
    fresh = tmp_path / "fresh"
    run(root, fresh)
    for name in ("people/ana/index.html", "people/ana/sop.ics", "people/cy/index.html",
                 "people/cy/sop.ics", "people/bo/index.html", "people/bo/sop.ics"):  # fmt: skip
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_a_fresh_process_reuses_what_the_last_build_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from playpress.load.cache import secret

    if secret() is None:
        pytest.skip("no user cache folder to keep the signing key in")
    root = chain_project(tmp_path / "proj")
    out = tmp_path / "dist"
    run(root, out)
    assert (out / ".playpress" / CACHE_FILE).is_file()
    import playpress.load.project as project_module

    calls: list[str] = []
    real = project_module.group_from

    def counting(slug: str, *args: object, **kwargs: object) -> object:
        calls.append(slug)
        return real(slug, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(project_module, "group_from", counting)
    result = build(Options(root.resolve(), out.resolve(), pdf=False), Session())
    assert calls == [] and result.written == []
    rows = [list(r) for r in HANGZHOU]
    rows[1][1] = "杭州二店（新）"
    (root / "content/groups.xlsx").write_bytes(workbook({"杭州": rows, "宁波": NINGBO}))
    build(Options(root.resolve(), out.resolve(), pdf=False), Session())
    assert calls == ["hz-2"]
    # a cache not signed with this machine's key is not read
    cache = out / ".playpress" / CACHE_FILE
    data = bytearray(cache.read_bytes())
    data[40] ^= 1
    cache.write_bytes(bytes(data))
    calls.clear()
    build(Options(root.resolve(), out.resolve(), pdf=False), Session())
    assert sorted(calls) == ["a", "b", "hz-1", "hz-2", "nb-1", "nb-2"]
