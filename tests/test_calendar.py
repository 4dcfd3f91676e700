"""sop.ics, sop.csv and sop.html as a user checks them: a real iCalendar parser, the csv module,
the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import REPO, run_cli, write_project

from playpress.load import load_project
from playpress.outputs.job import LIGHT, Job, Output
from playpress.outputs.kinds import renderers
from playpress.theme import Theme

UTC = dt.UTC
SHANGHAI, NEW_YORK, MEXICO = (
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("America/New_York"),
    ZoneInfo("America/Mexico_City"),
)

SITE = """
title: 测试中心
lang: zh
timezone: Asia/Shanghai
reminder_minutes: 30
limits: {max_posts_per_day: 3}
"""

WEEKLY = r"""
---
title: 周计划
type: interest
roles:
  - {id: host, title: 群主}
  - {id: helper, title: 助理}
phases:
  - {name: 预热, days: "1-3", goal: 拉新到群}
  - {name: 正式, days: "4-14", goal: 转化下单}
mix: {activity: ">=50%"}
sop:
  - {id: morning, when: daily 08:00, post: 早安, kind: interaction, owner: helper}
  - id: live
    when: 周二,周四 20:00
    post: 直播
    kind: activity
    owner: host
    note: 提前30分钟预热
    copy: |
      今晚直播，主题：{{ group.vars.topic }}，不见不散！
      带上"问题"来; 反斜杠\ 也行, ok
  - {id: lunch, when: weekdays 12:00, post: 午间分享, kind: content, owner: host}
  - {id: weekend, when: weekends 10:00, post: 周末活动, kind: activity, owner: host}
  - {id: kickoff, when: day 1 19:00, post: 开营, kind: notice, owner: host}
  - {id: drill, when: days 2-4 21:00, post: 练习, kind: interaction, owner: helper}
  - {id: dropped, when: daily 22:00, post: 晚安, kind: interaction, owner: helper}
---
"""

SHANGHAI_GROUP = """
---
name: 上海周计划群
playbook: weekly
start: 2027-01-04
days: 14
timezone: Asia/Shanghai
join_url: https://example.com/j/sh
people: {host: 王老师, helper: 小李}
vars: {topic: 阅读}
sop_skip: [dropped]
sop_add:
  - {id: meetup, when: 2027-01-09 15:00, post: 线下见面, kind: activity, owner: host}
---
"""

NIGHT = """
---
title: Night shift
type: interest
roles: [{id: host, title: Host}]
sop:
  - {id: late, when: daily 01:30, post: Late post, kind: content, owner: host}
  - {id: owl, when: daily 02:30, post: Night owl, kind: content, owner: host}
  - {id: morning, when: daily 09:00, post: Morning, kind: notice, owner: host}
---
"""

NY_SPRING = """
---
name: NY spring
playbook: night
start: 2027-03-12
days: 5
timezone: America/New_York
lang: en
join_url: https://example.com/j/ny
people: {host: Ann}
---
"""

NY_FALL = (
    NY_SPRING.replace("NY spring", "NY fall")
    .replace("2027-03-12", "2027-11-06")
    .replace("days: 5", "days: 3")
)

MEXICO_GROUP = """
---
name: Grupo CDMX
playbook: night
start: 2027-04-01
days: 7
timezone: America/Mexico_City
lang: es
join_url: https://example.com/j/mx
people: {host: Lucía}
---
"""

FILES = {
    "content/site.yml": SITE,
    "playbooks/weekly.md": WEEKLY,
    "playbooks/night.md": NIGHT,
    "content/groups/sh.md": SHANGHAI_GROUP,
    "content/groups/ny-spring.md": NY_SPRING,
    "content/groups/ny-fall.md": NY_FALL,
    "content/groups/mx.md": MEXICO_GROUP,
}


def render(root: Path, slug: str, kind: str) -> bytes:
    """One output rendered in-process, as the build would."""
    loaded = load_project(root)
    assert loaded.project is not None and not loaded.report.errors, loaded.report.errors
    job = Job(
        loaded.project,
        Theme(loaded.project.theme),
        Output(LIGHT, f"{slug}/{kind}", kind, slug),
        root / "dist",
    )
    return renderers()[kind](job)


def events(ics: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(ics).walk("VEVENT")


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("cal") / "proj", FILES)


@pytest.fixture(scope="module")
def outputs(project: Path) -> dict[tuple[str, str], bytes]:
    return {
        (slug, kind): render(project, slug, kind)
        for slug in ("sh", "ny-spring", "ny-fall", "mx")
        for kind in ("ics", "csv", "sop_html")
    }


def expected_shanghai() -> list[tuple[dt.datetime, str]]:
    """Written out from the grammar by hand: 14 days from Monday 2027-01-04."""
    dates = [dt.date(2027, 1, 4) + dt.timedelta(days=n) for n in range(14)]
    wanted = [(d, "08:00", "早安") for d in dates]
    wanted += [(dt.date(2027, 1, d), "20:00", "直播") for d in (5, 7, 12, 14)]
    wanted += [(d, "12:00", "午间分享") for d in dates if d.weekday() < 5]
    wanted += [(dt.date(2027, 1, d), "10:00", "周末活动") for d in (9, 10, 16, 17)]
    wanted += [(dt.date(2027, 1, 4), "19:00", "开营")]
    wanted += [(dt.date(2027, 1, d), "21:00", "练习") for d in (5, 6, 7)]
    wanted += [(dt.date(2027, 1, 9), "15:00", "线下见面")]
    return sorted(
        (dt.datetime.combine(d, dt.time.fromisoformat(t), SHANGHAI), post) for d, t, post in wanted
    )


def title(event: icalendar.Event) -> str:
    """The post an event is for: its SUMMARY after the group's name in brackets."""
    summary = str(event["SUMMARY"])
    assert summary.startswith("【") and "】" in summary, summary
    return summary.split("】", 1)[1]


def starts(ics: bytes) -> list[tuple[dt.datetime, str]]:
    return [(e.decoded("DTSTART"), title(e)) for e in events(ics)]


def test_shanghai_occurrences_are_exactly_the_expected_ones(outputs):
    got = starts(outputs["sh", "ics"])
    assert got == expected_shanghai()  # also checks the order: by time
    assert len(got) == 37
    assert all(start.utcoffset() == dt.timedelta(hours=8) for start, _ in got)
    assert "晚安" not in {post for _, post in got}  # sop_skip


def test_ny_spring_forward_gap_reads_as_calendar_apps_do(outputs):
    got = [(start.astimezone(UTC), post) for start, post in starts(outputs["ny-spring", "ics"])]
    z = lambda day, hour, minute: dt.datetime(2027, 3, day, hour, minute, tzinfo=UTC)  # noqa: E731
    expected = []
    for day in (12, 13):  # EST, UTC-5
        expected += [
            (z(day, 6, 30), "Late post"),
            (z(day, 7, 30), "Night owl"),
            (z(day, 14, 0), "Morning"),
        ]
    # 02:30 -> 03:30 EDT
    expected += [
        (z(14, 6, 30), "Late post"),
        (z(14, 7, 30), "Night owl"),
        (z(14, 13, 0), "Morning"),
    ]
    for day in (15, 16):  # EDT, UTC-4
        expected += [
            (z(day, 5, 30), "Late post"),
            (z(day, 6, 30), "Night owl"),
            (z(day, 13, 0), "Morning"),
        ]
    assert got == expected
    gap = [
        e
        for e in events(outputs["ny-spring", "ics"])
        if e.decoded("DTSTART").date() == dt.date(2027, 3, 14)
    ][1]
    # written in UTC: apps disagree on local times in a daylight-saving change, never on UTC
    assert gap["DTSTART"].to_ical() == b"20270314T073000Z" and "TZID" not in gap["DTSTART"].params
    assert gap.decoded("DTSTART").astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
    assert "written 02:30" in str(gap["DESCRIPTION"])


def test_ny_fall_back_overlap_is_the_first_occurrence(outputs):
    got = [(start.astimezone(UTC), post) for start, post in starts(outputs["ny-fall", "ics"])]
    late = [start for start, post in got if post == "Late post"]
    assert late == [
        dt.datetime(2027, 11, 6, 5, 30, tzinfo=UTC),
        dt.datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
        # 01:30 EDT on the 7th, not 01:30 EST
        dt.datetime(2027, 11, 8, 6, 30, tzinfo=UTC),
    ]


@pytest.mark.parametrize("slug", ["ny-spring", "ny-fall", "mx", "sh"])
def test_vtimezone_agrees_with_the_zone_database(outputs, slug):
    """Clients that ignore the IANA name (Outlook) use the VTIMEZONE: it must give the same
    instants."""
    calendar = icalendar.Calendar.from_ical(outputs[slug, "ics"])
    (timezone,) = calendar.walk("VTIMEZONE")
    from_vtimezone = timezone.to_tz(lookup_tzid=False)  # the file's own, not icalendar's
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        if "TZID" not in event["DTSTART"].params:  # a daylight-saving change: in UTC
            assert start.utcoffset() == dt.timedelta(0)
            continue
        assert start.replace(tzinfo=from_vtimezone).astimezone(UTC) == start.astimezone(UTC)
        assert event["DTSTART"].params["TZID"] == timezone["TZID"] == str(start.tzinfo)


def vtimezone_text(ics: bytes) -> str:
    text = ics.decode().replace("\r\n ", "")
    return text[text.index("BEGIN:VTIMEZONE") : text.index("END:VTIMEZONE")]


def test_vtimezone_observances_follow_rfc5545(outputs):
    """The zone as it is now, as a yearly rule (onsets in the local time before the change), the
    same whatever the group's dates."""
    spring = vtimezone_text(outputs["ny-spring", "ics"])
    assert spring == vtimezone_text(outputs["ny-fall", "ics"])
    assert (
        "BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"
        "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT" in spring
    )
    assert (
        "BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"
        "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST" in spring
    )
    # before 2007, each change as an RDATE (the first again, for ical.js)
    assert "DTSTART:19700426T020000\r\nRDATE:19700426T020000\r\nRDATE:19710425T020000" in spring
    mexico = vtimezone_text(outputs["mx", "ics"])
    # no DST since 2022: no yearly rule, the last change stays
    assert "RRULE" not in mexico and "RDATE:20221030T020000\r\nTZOFFSETFROM:-0500\r\n" in mexico


def test_mexico_city_has_no_daylight_saving(outputs):
    got = starts(outputs["mx", "ics"])
    assert len(got) == 21
    assert {start.astimezone(UTC).time() for start, post in got if post == "Night owl"} == {
        dt.time(8, 30)
    }
    assert all(start.utcoffset() == dt.timedelta(hours=-6) for start, _ in got)


def test_event_contents(outputs):
    live = next(e for e in events(outputs["sh", "ics"]) if title(e) == "直播")
    description = str(live["DESCRIPTION"])
    assert description.startswith(
        '今晚直播，主题：阅读，不见不散！\n带上"问题"来; 反斜杠\\ 也行, ok\n\n'
    )
    assert "负责人：群主 王老师" in description and "备注：提前30分钟预热" in description
    assert "阶段：预热 · 第2天" in description
    assert live.categories == ["activity"]
    # RFC 5545 escaping
    assert "也行\\, ok\\n\\n" in outputs["sh", "ics"].decode().replace("\r\n ", "")
    (alarm,) = live.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and alarm.decoded("TRIGGER") == dt.timedelta(minutes=-30)
    assert live.decoded("DURATION") == dt.timedelta(minutes=15)
    assert live["SEQUENCE"] == 0 and live.decoded("DTSTAMP").tzinfo is not None
    calendar = icalendar.Calendar.from_ical(outputs["sh", "ics"])
    assert calendar["X-WR-CALNAME"] == "上海周计划群" and calendar["PRODID"] == "-//Playpress//EN"
    assert {c.name for c in calendar.subcomponents} == {"VTIMEZONE", "VEVENT"}


def test_poster_file_in_description(minimal_project):
    live = next(e for e in events(render(minimal_project, "g1", "ics")) if title(e) == "直播课")
    assert "海报：posters/preview.png" in str(live["DESCRIPTION"])
    rows = csv_rows(render(minimal_project, "g1", "csv"))
    assert {r["poster"] for r in rows if r["post"] == "直播课"} == {"posters/preview.png"}


def test_ics_lines_are_folded_crlf_and_short(outputs):
    for (slug, kind), data in outputs.items():
        if kind != "ics":
            continue
        assert data.endswith(b"END:VCALENDAR\r\n")
        lines = data.split(b"\r\n")
        assert b"\n" not in b"".join(lines), f"{slug}: a bare line feed"
        assert max(len(line) for line in lines) <= 75
        for line in lines:
            line.decode("utf-8")  # folding never splits a character


def test_uids_are_unique_and_stable_when_content_changes(project, outputs, tmp_path):
    before = {str(e["UID"]): e for e in events(outputs["sh", "ics"])}
    assert len(before) == 37
    changed = shutil.copytree(project, tmp_path / "changed")
    playbook = changed / "playbooks/weekly.md"
    text = playbook.read_text(encoding="utf-8").replace("提前30分钟预热", "提前1小时预热")
    playbook.write_text(text.replace("post: 直播\n", "post: 直播课\n"), encoding="utf-8")
    after = {str(e["UID"]): e for e in events(render(changed, "sh", "ics"))}
    assert set(after) == set(before)  # a re-import updates, never duplicates
    moved = {
        uid for uid in after if after[uid]["DTSTAMP"].to_ical() != before[uid]["DTSTAMP"].to_ical()
    }
    assert moved == {uid for uid in after if title(after[uid]) == "直播课"} and len(moved) == 4


def test_csv_reads_back_with_one_row_per_event(outputs):
    for slug in ("sh", "ny-spring", "ny-fall", "mx"):
        rows = csv_rows(outputs[slug, "csv"])
        assert len(rows) == len(events(outputs[slug, "ics"]))
        assert list(rows[0])[:10] == [
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
        ]
    rows = csv_rows(outputs["sh", "csv"])
    live = next(r for r in rows if r["post"] == "直播")
    assert live["copy"] == '今晚直播，主题：阅读，不见不散！\n带上"问题"来; 反斜杠\\ 也行, ok'
    assert (
        live["date"],
        live["time"],
        live["weekday"],
        live["phase"],
        live["owner"],
        live["person"],
    ) == ("2027-01-05", "20:00", "周二", "预热", "群主", "王老师")
    assert {r["phase"] for r in rows if r["date"] == "2027-01-07"} == {"正式"}
    # 2027-04-01, in the group's language
    assert csv_rows(outputs["mx", "csv"])[0]["weekday"] == "jue"
    assert [
        r["time"] for r in csv_rows(outputs["ny-spring", "csv"]) if r["date"] == "2027-03-14"
    ] == ["01:30", "03:30", "09:00"]
    assert b"\r\n" in outputs["sh", "csv"] and outputs["sh", "csv"].count(b"\r\n") == len(rows) + 1


def test_html_page(outputs):
    html = outputs["sh", "sop_html"].decode()
    assert html.count('<section class="day') == 14
    assert html.count('<article class="post') == 37
    assert "周二" in html and "第14天" in html
    assert "预热" in html and "拉新到群" in html and "转化下单" in html  # phase bands with goals
    assert html.count('class="band"') == 2
    assert "带上&#34;问题&#34;来; 反斜杠\\ 也行, ok" in html  # copy in full, escaped
    assert "size: A4 portrait" in html
    assert 'class="post kind-activity"' in html
    spring = outputs["ny-spring", "sop_html"].decode()
    assert "Fri" in spring and "written 02:30; moved by daylight saving" in spring


def test_html_prints_on_a4_portrait(outputs, tmp_path):
    """As a browser prints it (headless Chromium: the page's @page size, not the printer's)."""
    import subprocess

    from pypdf import PdfReader

    page, pdf = tmp_path / "sop.html", tmp_path / "sop.pdf"
    page.write_bytes(outputs["ny-spring", "sop_html"])
    subprocess.run(
        [
            "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_validation_counts_the_same_occurrences(project):
    """Posts-per-day and activity-share warnings come from the occurrences the calendar shows."""
    result = run_cli("check", "--root", str(project))
    assert result.returncode == 0, result.stderr
    rows = csv_rows(render(project, "sh", "csv"))
    busy = sorted(date for date, n in Counter(r["date"] for r in rows).items() if n > 3)
    warned = sorted(re.findall(r"\d+ posts on (\S+) \(day", result.stderr))
    assert warned == busy == ["2027-01-05", "2027-01-07"]
    activity = sum(r["kind"] == "activity" for r in rows)
    assert f"activity posts are {activity / len(rows):.0%} of {len(rows)}" in result.stderr
    notes = sorted(line for line in result.stderr.splitlines() if ": note:" in line)
    assert len(notes) == 2, notes
    assert notes[0].startswith("content/groups/ny-fall.md:6:") and "01:30 on 2027-11-07" in notes[0]
    assert "01:30 EDT" in notes[0]  # an overlap: the first 01:30
    assert (
        notes[1].startswith("content/groups/ny-spring.md:6:") and "02:30 on 2027-03-14" in notes[1]
    )
    assert "show it at 03:30" in notes[1]  # a gap


def test_two_builds_in_two_folders_give_the_same_bytes(project, tmp_path):
    first = shutil.copytree(project, tmp_path / "a" / "proj")
    second = shutil.copytree(project, tmp_path / "b" / "elsewhere")
    for root, out in ((first, tmp_path / "out1"), (second, tmp_path / "x" / "out2")):
        result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf", "--jobs", "1")
        assert result.returncode == 0, result.stderr
    for slug in ("sh", "ny-spring", "ny-fall", "mx"):
        for name in ("sop.ics", "sop.csv", "sop.html"):
            assert (tmp_path / "out1" / slug / name).read_bytes() == (
                tmp_path / "x/out2" / slug / name
            ).read_bytes()
    index = (tmp_path / "out1" / "index.html").read_text(encoding="utf-8")
    home = (tmp_path / "out1" / "sh" / "index.html").read_text(encoding="utf-8")
    assert 'href="sh/index.html"' in index  # the group's home lists its files
    assert 'href="sop.html"' in home and 'href="sop.ics"' in home and 'href="sop.csv"' in home


def test_example_groups_parse(tmp_path):
    """The example project's calendars, through icalendar and csv."""
    loaded = load_project(REPO)
    if loaded.project is None or loaded.report.errors or not loaded.project.groups:
        pytest.skip("the example project is not buildable right now")
    for slug in sorted(loaded.project.groups):
        ics = render(REPO, slug, "ics")
        found = events(ics)
        assert found, slug
        assert len({str(e["UID"]) for e in found}) == len(found)
        assert len(csv_rows(render(REPO, slug, "csv"))) == len(found)
        group = loaded.project.groups[slug]
        zone = ZoneInfo(group.timezone)
        assert all(e.decoded("DTSTART").tzinfo == zone for e in found)
        assert (
            group.start
            <= found[0].decoded("DTSTART").date()
            <= found[-1].decoded("DTSTART").date()
            <= group.end
        )
