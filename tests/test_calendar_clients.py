"""sop.ics in the readers people open it with: ical.js (the parser of Thunderbird, run with node),
icalendar and vobject, against sop.csv and the zone database, across both daylight-saving
changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import write_project
from test_calendar import NIGHT, NY_SPRING

from playpress.build import Options, build
from playpress.outputs.sop_ics import fold, transitions, vtimezone

UTC = dt.UTC
CLIENTS = Path(__file__).parent / "calendar_clients"  # package.json: ical.js, pinned

Reader = Callable[..., dict]


@pytest.fixture(scope="session")
def ical_js() -> Reader:
    """node reading a file with ical.js (installed from tests/calendar_clients' lock file)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed to read calendars with ical.js")
    if not (CLIENTS / "node_modules/ical.js").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENTS,
            check=True,
            timeout=300,
        )

    def read(path: Path, *local_times: str) -> dict:
        done = subprocess.run(
            ["node", str(CLIENTS / "ical_read.mjs"), str(path), *local_times],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    return read


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# 1 March to 8 November 2027 in New York: clocks spring forward on 14 March (02:30 never
# happens) and fall back on 7 November (01:30 happens twice), and the posts are at 01:30, 02:30
# and 09:00 every day.
SEASON = (
    NY_SPRING.replace("NY spring", "NY season")
    .replace("2027-03-12", "2027-03-01")
    .replace("days: 5", "days: 253")
)
WINTER = NY_SPRING.replace("NY spring", "NY winter").replace("2027-03-12", "2027-01-10")


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(
        tmp_path_factory.mktemp("season") / "proj",
        {
            "playbooks/night.md": NIGHT,
            "content/groups/ny-season.md": SEASON,
            "content/groups/ny-winter.md": WINTER,
        },
    )
    result = build(Options(root.resolve(), (root / "dist").resolve(), pdf=False))
    assert not result.report.errors and not result.bug
    return root / "dist"


def csv_instants(path: Path) -> list[tuple[dt.datetime, str]]:
    """What sop.csv says, read as docs/format.md says: the local time in the group's zone, the
    first of the two when clocks fall back."""
    rows = csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))
    found = []
    for row in rows:
        local = dt.datetime.fromisoformat(f"{row['date']}T{row['time']}")
        found.append((local.replace(tzinfo=ZoneInfo(row["timezone"]), fold=0), row["post"]))
    return sorted((moment.astimezone(UTC), post) for moment, post in found)


def test_ical_js_icalendar_and_vobject_agree_with_sop_csv_across_both_changes(
    season: Path, ical_js: Reader
) -> None:
    import vobject

    ics = season / "ny-season/sop.ics"
    # every SUMMARY starts with the group's name in brackets: 【NY season】Late post
    wanted = [(m, f"【NY season】{post}") for m, post in csv_instants(season / "ny-season/sop.csv")]
    assert len(wanted) == 3 * 253
    by_icalendar = sorted(
        (event.decoded("DTSTART").astimezone(UTC), str(event["SUMMARY"]))
        for event in icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    )
    by_ical_js = sorted(
        (instant(event["start"]), event["summary"]) for event in ical_js(ics)["events"]
    )
    # vobject keeps one definition per TZID for the whole process: read another calendar of
    # the zone (a winter group, no change in its dates) first
    vobject.readOne((season / "ny-winter/sop.ics").read_text("utf-8"))
    by_vobject = sorted(
        (event.dtstart.value.astimezone(UTC), event.summary.value)
        for event in vobject.readOne(ics.read_text("utf-8")).vevent_list
    )
    assert by_icalendar == wanted
    assert by_ical_js == wanted
    assert by_vobject == wanted
    moments = {
        post: [m for m, p in wanted if p == f"【NY season】{post}"]
        for post in ("Late post", "Night owl")
    }
    # 01:30 on 7 November is the first one, EDT; 02:30 on 14 March is 03:30 EDT
    assert dt.datetime(2027, 11, 7, 5, 30, tzinfo=UTC) in moments["Late post"]
    assert dt.datetime(2027, 11, 7, 6, 30, tzinfo=UTC) not in moments["Late post"]
    assert dt.datetime(2027, 3, 14, 7, 30, tzinfo=UTC) in moments["Night owl"]


def local_probes(zone: ZoneInfo) -> tuple[list[str], list[dt.datetime]]:
    """Local times from 1971 to 2060 (two a year, and three hours either side of each change up
    to 2037) with the instants the zone database gives them; none that a change makes ambiguous
    or skips."""
    moments = [dt.datetime(y, m, 15, 12, tzinfo=UTC) for y in range(1971, 2061) for m in (1, 7)]
    changes = transitions(
        zone, dt.datetime(1971, 1, 1, tzinfo=UTC), dt.datetime(2038, 1, 1, tzinfo=UTC)
    )
    moments += [t + dt.timedelta(hours=h) for t in changes for h in (-3, 3)]
    local_times, instants = [], []
    for moment in moments:
        wall = moment.astimezone(zone).replace(tzinfo=None)
        if (
            wall.replace(tzinfo=zone, fold=0).utcoffset()
            != wall.replace(tzinfo=zone, fold=1).utcoffset()
        ):
            continue
        local_times.append(f"{wall:%Y-%m-%dT%H:%M:%S}")
        instants.append(moment)
    return local_times, instants


@pytest.mark.parametrize(
    "name",
    [
        "America/New_York",  # the 2007 US rule, and the rules before it
        "Asia/Shanghai",  # summer time 1986-1991 only
        "America/Mexico_City",  # no summer time since 2022
        "Europe/Dublin",  # the zone database counts winter as the saving
        "Asia/Jerusalem",  # the Friday before the last Sunday of March
        "Australia/Lord_Howe",  # a half-hour saving, southern summer
    ],
)
def test_the_vtimezone_is_right_for_any_date_a_client_asks(
    tmp_path: Path, ical_js: Reader, name: str
) -> None:
    zone = ZoneInfo(name)
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    text += "".join(fold(line) for line in vtimezone(name)) + "END:VCALENDAR\r\n"
    path = tmp_path / "zone.ics"
    path.write_text(text, "utf-8", newline="")
    local_times, instants = local_probes(zone)
    asked = ical_js(path, *local_times)["asked"]
    wrong = [
        (a["local"], a["utc"])
        for a, want in zip(asked, instants, strict=True)
        if instant(a["utc"]) != want
    ]
    assert not wrong, wrong[:5]
    # icalendar, made to use the file's VTIMEZONE rather than its own zone database
    (timezone,) = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    from_file = timezone.to_tz(lookup_tzid=False)
    noon = [dt.datetime(y, m, 15, 12, tzinfo=UTC) for y in range(1971, 2061) for m in (1, 4, 7, 10)]
    assert [t.astimezone(from_file).utcoffset() for t in noon] == [
        t.astimezone(zone).utcoffset() for t in noon
    ]
