"""Real calendars through the real command line: a held-out project of Chinese groups over the
2026 国庆 and 春节 periods and one into 2027, a US group over Thanksgiving and Christmas and a
Mexican group, built with `build.py`; every occurrence in sop.csv compared date by date with an
independent expansion over the State Council's 2026 notice (typed by hand in test_almanac.py)
and the US and Mexican holidays checked by hand; the 2027 warning and a calendars file that
silences it; the mistakes an operator makes, each one line with file:line and dist/ untouched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import icalendar
import pytest
import zxingcpp
from conftest import run_cli, snapshot, write_project
from PIL import Image
from test_almanac import OFFICIAL_2026, days

D = dt.date

OFFICE = """
---
title: 写字楼午餐群
type: product
roles: [{id: host, title: 店长}]
posters:
  - id: countdown
    size: square
    title: 国庆倒计时
    subtitle: "还有{{ -occurrence.offset }}天"
    qr: false
sop:
  - {id: noon, when: "workdays 11:30", post: 午餐预订, kind: activity, owner: host,
     copy: "第{{ occurrence.n }}次午餐预订，{{ occurrence.weekday }}"}
  - {id: off, when: "offdays 10:00", post: 休息日菜单, kind: content, owner: host}
  - {id: hol, when: "holidays 09:00", post: 节日问候, kind: notice, owner: host,
     copy: "{{ occurrence.holiday }}快乐！"}
  - {id: wk, when: "weekdays 12:00", post: 工作日提醒, kind: notice, owner: host,
     on_holiday: skip}
  - {id: m, when: "monthly 1,15 09:30", post: 月度账单, kind: notice, owner: host}
  - {id: first, when: "第一个周六 07:00", post: 月度聚餐, kind: activity, owner: host}
  - {id: cj, when: "春节 -3 18:00", post: 年货预订, kind: activity, owner: host}
  - {id: gq, when: "国庆 -3..-1 20:00", post: 国庆预订, kind: activity, owner: host,
     poster: countdown}
---
"""

CLUB = """
---
title: Book club
type: interest
roles: [{id: host, title: Host}]
sop:
  - {id: open, when: "workdays 07:30", post: Daily line, kind: content, owner: host}
  - {id: closed, when: "holidays 09:00", post: "Happy {{ occurrence.holiday }}", kind: notice,
     owner: host}
  - {id: daily, when: "daily 20:00", post: Reading check-in, kind: interaction, owner: host}
  - {id: tg, when: "Thanksgiving -1 18:00", post: Thanksgiving break, kind: notice, owner: host}
  - {id: xmas, when: "Christmas Day 10:00", post: Holiday reading, kind: content, owner: host}
---
"""


def group(name: str, playbook: str, start: str, end: str, extra: str = "") -> str:
    return (
        f"---\nname: {name}\nplaybook: {playbook}\nstart: {start}\nend: {end}\n"
        f"join_url: https://example.com/j/{name}\npeople: {{host: Ann}}\n{extra}---\n"
    )


PROJECT = {
    "content/site.yml": "title: T\nholidays: CN\n",
    "playbooks/office.md": OFFICE,
    "playbooks/club.md": CLUB,
    "content/groups/cn-guoqing.md": group("cn-guoqing", "office", "2026-09-14", "2026-10-14"),
    "content/groups/cn-chunjie.md": group("cn-chunjie", "office", "2026-01-26", "2026-03-08"),
    "content/groups/cn-2027.md": group("cn-2027", "office", "2026-12-14", "2027-02-20"),
    "content/groups/us.md": group(
        "us",
        "club",
        "2026-11-16",
        "2026-12-31",
        "lang: en\ntimezone: America/New_York\nholidays: US\nsop_change:\n"
        '  - {slot: daily, date: 2026-12-24, time: "17:00", copy: "Early check-in tonight!"}\n'
        "  - {slot: daily, date: 2026-12-31, skip: true}\n",
    ),
    "content/groups/mx.md": group(
        "mx",
        "club",
        "2026-03-01",
        "2026-03-31",
        "lang: es\ntimezone: America/Mexico_City\nholidays: MX\nsop_skip: [tg, xmas]\n"
        "events: {meetup: 2026-03-20}\n",  # (the "event missing" mistake below counts from it)
    ),
}

# Hand-checked: US federal holidays (Thanksgiving is the fourth Thursday of November, 26 Nov
# 2026; Christmas is a Friday in 2026) and Mexico's statutory day of Benito Juárez (the third
# Monday of March: 16 March 2026), as the holidays package is meant to give them.
US_HOLIDAYS = {D(2026, 11, 26): "Thanksgiving Day", D(2026, 12, 25): "Christmas Day"}
MX_HOLIDAYS = {D(2026, 3, 16): "Natalicio de Benito Juárez"}


def office_expected(
    start: dt.date,
    end: dt.date,
    days_off: dict[dt.date, str],
    makeup: set[dt.date],
    unknown: tuple[int, ...] = (),
) -> set[tuple[str, dt.date, str]]:
    """The office playbook over a span, by hand: the grammar's meaning on each date. In an
    `unknown` year workdays are Monday to Friday, as the contract says."""
    found: set[tuple[str, dt.date, str]] = set()
    for date in days(start, end):
        workday = date in makeup or (date.weekday() < 5 and date not in days_off)
        if date.year in unknown:
            workday = date.weekday() < 5
        if workday:
            found.add(("noon", date, "11:30"))
        else:
            found.add(("off", date, "10:00"))
        if date in days_off:
            found.add(("hol", date, "09:00"))
        if date.weekday() < 5 and date not in days_off:
            found.add(("wk", date, "12:00"))
        if date.day in (1, 15):
            found.add(("m", date, "09:30"))
        if date.weekday() == 5 and date.day <= 7:
            found.add(("first", date, "07:00"))
        # 春节 is 正月初一 itself (2026-02-17, 2027-02-06), 国庆 is 10-01 itself
        if date in (D(2026, 2, 14), D(2027, 2, 3)):
            found.add(("cj", date, "18:00"))
        if date in days(D(2026, 9, 28), D(2026, 9, 30)):
            found.add(("gq", date, "20:00"))
    return found


def club_expected(
    start: dt.date, end: dt.date, holidays: dict[dt.date, str], us: bool
) -> set[tuple[str, dt.date, str]]:
    found: set[tuple[str, dt.date, str]] = set()
    for date in days(start, end):
        if date.weekday() < 5 and date not in holidays:
            found.add(("open", date, "07:30"))
        if date in holidays:
            found.add(("closed", date, "09:00"))
        found.add(("daily", date, "20:00"))
    if us:
        found.add(("tg", D(2026, 11, 25), "18:00"))
        found.add(("xmas", D(2026, 12, 25), "10:00"))
        found.discard(("daily", D(2026, 12, 24), "20:00"))
        found.add(("daily", D(2026, 12, 24), "17:00"))  # sop_change: time
        found.discard(("daily", D(2026, 12, 31), "20:00"))  # sop_change: skip
    return found


def rows(out: Path, slug: str) -> list[dict[str, str]]:
    text = (out / slug / "sop.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def occurrences(out: Path, slug: str) -> set[tuple[str, dt.date, str]]:
    return {(r["slot"], D.fromisoformat(r["date"]), r["time"]) for r in rows(out, slug)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = write_project(tmp_path_factory.mktemp("calendars") / "proj", PROJECT)
    out = root / "dist"
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return root, out, result.stderr


def official() -> tuple[dict[dt.date, str], set[dt.date]]:
    days_off = {d: name for name, (run, _) in OFFICIAL_2026.items() for d in days(*run)}
    return days_off, {d for _, (_, worked) in OFFICIAL_2026.items() for d in worked}


def test_chinese_groups_follow_the_2026_notice_date_by_date(built):
    _, out, _ = built
    days_off, makeup = official()
    for slug, start, end in (
        ("cn-guoqing", D(2026, 9, 14), D(2026, 10, 14)),
        ("cn-chunjie", D(2026, 1, 26), D(2026, 3, 8)),
    ):
        got = occurrences(out, slug)
        expected = office_expected(start, end, days_off, makeup)
        assert got == expected, (slug, sorted(got ^ expected))
    guoqing = occurrences(out, "cn-guoqing")
    # the make-up Sundays and Saturdays of 国庆 (09-20, 10-10) and 春节 (02-14, 02-28) are worked
    for date in (D(2026, 9, 20), D(2026, 10, 10)):
        assert ("noon", date, "11:30") in guoqing and ("wk", date, "12:00") not in guoqing
    chunjie = occurrences(out, "cn-chunjie")
    for date in (D(2026, 2, 14), D(2026, 2, 28)):
        assert ("noon", date, "11:30") in chunjie
    assert not {d for s, d, _ in chunjie if s == "noon"} & set(days(D(2026, 2, 15), D(2026, 2, 23)))


def test_us_and_mexican_groups_follow_their_holidays(built):
    _, out, _ = built
    us = occurrences(out, "us")
    assert us == club_expected(D(2026, 11, 16), D(2026, 12, 31), US_HOLIDAYS, us=True)
    mx = occurrences(out, "mx")
    assert mx == club_expected(D(2026, 3, 1), D(2026, 3, 31), MX_HOLIDAYS, us=False)
    posts = {r["date"]: r["post"] for r in rows(out, "us") if r["slot"] == "closed"}
    assert posts == {"2026-11-26": "Happy Thanksgiving Day", "2026-12-25": "Happy Christmas Day"}
    assert {r["date"]: r["holiday"] for r in rows(out, "mx") if r["holiday"]} == {
        "2026-03-16": "Natalicio de Benito Juárez (festivo)"
    }


def test_sop_change_shows_in_the_calendar_the_sheet_and_the_page(built):
    _, out, _ = built
    calendar = icalendar.Calendar.from_ical((out / "us" / "sop.ics").read_bytes())
    events = {(str(e["SUMMARY"]), e.decoded("DTSTART").date()): e for e in calendar.walk("VEVENT")}
    title = "【us】Reading check-in"  # the group first: a person with several groups
    eve = events[title, D(2026, 12, 24)]
    start = eve.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (17, 0, "America/New_York")
    assert str(eve["DESCRIPTION"]).startswith("Early check-in tonight!")
    assert "usually 20:00" in str(eve["DESCRIPTION"])
    assert (title, D(2026, 12, 31)) not in events
    (row,) = [r for r in rows(out, "us") if r["slot"] == "daily" and r["date"] == "2026-12-24"]
    assert (row["time"], row["copy"]) == ("17:00", "Early check-in tonight!")
    page = (out / "us" / "sop.html").read_text(encoding="utf-8")
    assert "Moved today (usually 20:00)" in page and "Thanksgiving Day (off)" in page


def test_occurrence_in_copy_post_and_posters(built):
    _, out, _ = built
    noon = [r for r in rows(out, "cn-guoqing") if r["slot"] == "noon"]
    assert [r["copy"] for r in noon[:2]] == ["第1次午餐预订，周一", "第2次午餐预订，周二"]
    (sunday,) = [r for r in noon if r["date"] == "2026-09-20"]
    assert sunday["copy"].endswith("周日") and sunday["holiday"] == "国庆前（班）"
    greetings = {r["date"]: r["copy"] for r in rows(out, "cn-guoqing") if r["slot"] == "hol"}
    assert greetings["2026-09-25"] == "中秋快乐！" and greetings["2026-10-07"] == "国庆快乐！"
    countdown = sorted((out / "cn-guoqing" / "posters" / "countdown").iterdir())
    assert [p.name for p in countdown] == ["2026-09-28.png", "2026-09-29.png", "2026-09-30.png"]
    assert not (out / "cn-guoqing" / "posters" / "countdown.png").exists()
    assert not (out / "cn-chunjie" / "posters" / "countdown").exists()  # 国庆 not in its span
    for path in countdown:
        with Image.open(path) as image:
            assert image.size == (1080, 1080) and not zxingcpp.read_barcodes(image)  # qr: false
    gq = [r for r in rows(out, "cn-guoqing") if r["slot"] == "gq"]
    assert [r["poster"] for r in gq] == [f"posters/countdown/{p.name}" for p in countdown]


def test_day_marks_chart_and_notes(built):
    _, out, stderr = built
    page = (out / "cn-guoqing" / "sop.html").read_text(encoding="utf-8")
    for mark in ("国庆前（班）", "中秋（休）", "国庆（休）", "国庆后（班）"):
        assert f'<span class="mark">{mark}</span>' in page, mark
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S)
    assert chart and chart.group(0).count('class="band-off"') == 3 + 7  # 中秋 and 国庆 days off
    assert chart.group(0).count('class="band-work"') == 2
    notes = [line for line in stderr.splitlines() if line.startswith("content/groups/cn-guoqing")]
    assert any(": note: " in n and "2026-09-20 国庆前（班）" in n for n in notes), notes


def test_the_2027_group_warns_once_and_a_calendars_file_moves_its_dates(built, tmp_path):
    root, out, stderr = built
    warned = [line for line in stderr.splitlines() if "is not known" in line]
    assert len(warned) == 1 and warned[0].startswith("content/groups/cn-2027.md:5: warning:")
    assert "2027" in warned[0]
    before = occurrences(out, "cn-2027")
    days_off, makeup = official()
    # 2027 unknown: Monday to Friday, holidays only the fixed-date ones (元旦)
    expected = office_expected(
        D(2026, 12, 14), D(2027, 2, 20), {**days_off, D(2027, 1, 1): "元旦"}, makeup, (2027,)
    )
    assert before == expected, sorted(before ^ expected)
    # A stand-in for the 2027 notice (not the real one): 春节 off 02-06..02-12, 02-13 worked.
    write_project(
        root,
        {
            "content/calendars/cn-2027.yml": """
            years:
              - country: CN
                year: 2027
                holidays: {元旦: [2027-01-01..2027-01-03], 春节: [2027-02-06..2027-02-12]}
                workdays: [2027-02-13]
            """
        },
    )
    welcome = (out / "cn-2027" / "welcome.txt").stat().st_mtime_ns
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert result.returncode == 0 and "is not known" not in result.stderr, result.stderr
    # a calendars file is an input of what shows dates, not of the texts
    assert (out / "cn-2027" / "welcome.txt").stat().st_mtime_ns == welcome
    after = occurrences(out, "cn-2027")
    given = {
        **days_off,
        **{d: "元旦" for d in days(D(2027, 1, 1), D(2027, 1, 3))},
        **{d: "春节" for d in days(D(2027, 2, 6), D(2027, 2, 12))},
    }
    assert after == office_expected(
        D(2026, 12, 14), D(2027, 2, 20), given, makeup | {D(2027, 2, 13)}
    )
    assert ("noon", D(2027, 2, 8), "11:30") in before and (
        "noon",
        D(2027, 2, 8),
        "11:30",
    ) not in after
    assert ("noon", D(2027, 2, 13), "11:30") in after  # the stand-in's make-up Saturday
    assert "春节后（班）" in (out / "cn-2027" / "sop.html").read_text(encoding="utf-8")
    (root / "content/calendars/cn-2027.yml").unlink()


MISTAKES = [
    (
        "unknown name",
        "playbooks/office.md",
        'when: "国庆 -3..-1 20:00"',
        'when: "中球 -3..-1 20:00"',
        r"playbooks/office\.md:\d+: error: '中球' in '中球 -3\.\.-1 20:00'.*did you mean '中秋'",
    ),
    (
        "event missing",
        "playbooks/club.md",
        'when: "Christmas Day 10:00"',
        'when: "meetup -7..-1 18:00"',
        r"content/groups/us\.md:\d+: error: slot 'xmas' \(playbooks/club\.md:\d+\) counts from "
        r"event 'meetup', which this group's 'events' do not give.*sop_skip",
    ),
    (
        "sop_change matching nothing",
        "content/groups/us.md",
        "slot: daily, date: 2026-12-31, skip: true",
        "slot: open, date: 2026-11-26, skip: true",
        r"content/groups/us\.md:13: error: sop_change for slot 'open' on 2026-11-26 matches no "
        r"occurrence.*2026-11-24, 2026-11-25, 2026-11-27",
    ),
    (
        "monthly 32",
        "playbooks/office.md",
        'when: "monthly 1,15 09:30"',
        'when: "monthly 1,32 09:30"',
        r"playbooks/office\.md:\d+:\d+: error: 'sop\[4\]\.when': 'monthly 32' .*a month has days 1 "
        r"to 31",
    ),
    (
        "a Chinese time",
        "playbooks/office.md",
        'when: "monthly 1,15 09:30"',
        'when: "每月1号 早上9点半"',
        r"playbooks/office\.md:\d+:\d+: error: .*write 'monthly 1 09:30'",
    ),
    (
        "a country by name",
        "content/site.yml",
        "holidays: CN",
        "holidays: China",
        r"content/site\.yml:2:\d+: error: .*write 'holidays: CN'",
    ),
    (
        "a calendars file",
        "content/calendars/shop.yml",
        None,
        "names:\n  店庆: [2026-12-18]\n  开业: [2026-13-01]\n",
        r"content/calendars/shop\.yml:3: error: names\.开业: '2026-13-01' is not a date",
    ),
    (
        "occurrence where it is not known",
        "playbooks/office.md",
        "roles: [{id: host, title: 店长}]\n",
        'roles: [{id: host, title: 店长}]\nwelcome: "今天是{{ occurrence.date }}"\n',
        r"playbooks/office\.md:\d+: error: unknown name 'occurrence' in 'welcome'.*known in a "
        r"slot's copy and post",
    ),
    (
        "a misspelt on_holiday",
        "playbooks/office.md",
        "on_holiday: skip}",
        "on_holiday: skipp}",
        r"playbooks/office\.md:\d+:\d+: error: 'sop\[3\]\.on_holiday' is 'skipp'.*did you mean "
        r"'skip'",
    ),
    (
        "a change that skips and moves",
        "content/groups/us.md",
        "slot: daily, date: 2026-12-31, skip: true",
        'slot: daily, date: 2026-12-31, skip: true, time: "09:00"',
        r"content/groups/us\.md:13:\d+: error: 'sop_change\[1\]' skips the occurrence and also "
        r"changes it",
    ),
    (
        "an event that is not a date",
        "content/groups/us.md",
        "holidays: US\n",
        "holidays: US\nevents: {meetup: next friday}\n",
        r"content/groups/us\.md:\d+:\d+: error: 'events\.meetup' is 'next friday', not a date",
    ),
]


@pytest.mark.parametrize("name, path, old, new, expected", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistakes_exit_1_with_file_and_line_and_leave_dist_alone(
    tmp_path, name, path, old, new, expected
):
    root = write_project(tmp_path / "proj", PROJECT)
    out = root / "dist"
    first = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    target = root / path
    if old is None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(new, encoding="utf-8")
    else:
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new), encoding="utf-8")
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert any(re.search(expected, line) for line in errors), result.stderr
    assert snapshot(out) == before


def test_full_width_input_is_read(tmp_path):
    root = write_project(
        tmp_path / "proj",
        {
            **PROJECT,
            "playbooks/office.md": OFFICE.replace(
                '"workdays 11:30"', '"ｗｏｒｋｄａｙｓ　１１：３０"'
            )
            .replace('"第一个周六 07:00"', '"第一个周六　０７：００"')
            .replace('"春节 -3 18:00"', '"春节　－３　１８：００"'),
        },
    )
    result = run_cli("build", "--root", str(root), "--no-pdf")
    assert result.returncode == 0, result.stderr
    days_off, makeup = official()
    got = occurrences(root / "dist", "cn-chunjie")
    assert got == office_expected(D(2026, 1, 26), D(2026, 3, 8), days_off, makeup)


def test_the_unknown_year_is_said_only_where_it_changes_a_post(tmp_path):
    """A group into 2027 that posts on every day (and no slot on workdays, days off or holidays,
    none skipped on holidays) gets the same posts whatever the 2027 notice will say: no warning."""
    daily = (
        "---\ntitle: 早安群\ntype: interest\nroles: [{id: host, title: 群主}]\nsop:\n"
        '  - {id: d, when: "daily 08:00", post: 早安, kind: content, owner: host}\n'
        '  - {id: cj, when: "春节 -3 18:00", post: 年货预订, kind: activity, owner: host}\n---\n'
    )
    root = write_project(
        tmp_path / "p",
        {
            "content/site.yml": "title: T\nholidays: CN\n",
            "playbooks/daily.md": daily,
            "content/groups/g.md": group("g", "daily", "2026-12-14", "2027-02-20"),
        },
    )
    result = run_cli("check", "--root", str(root), "--strict")
    assert result.returncode == 0 and "is not known" not in result.stderr, result.stderr
