"""Benchmark of the SOP calendars: expansion and sop.ics/csv/html for a 365-day span with 10 slots
a day."""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import icalendar  # noqa: E402

from playpress import schedule  # noqa: E402
from playpress.load import load_project  # noqa: E402
from playpress.outputs import posts, sop_csv, sop_ics, sop_page  # noqa: E402
from playpress.outputs.job import LIGHT, Job, Output  # noqa: E402
from playpress.session import Session  # noqa: E402
from playpress.theme import Theme  # noqa: E402

# a zone with two DST transitions in the span
DAYS, SLOTS_PER_DAY, ZONE = 365, 10, "America/New_York"


def make_project(root: Path) -> Path:
    slots = "\n".join(
        f"  - id: s{n}\n    when: daily {7 + n:02d}:{(n * 7) % 60:02d}\n"
        f"    post: 第{n}条, post {n}\n"
        f"    kind: {('activity', 'content', 'interaction', 'notice')[n % 4]}\n    owner: host\n"
        f"    note: 备注 {n}\n    copy: |\n"
        f'      早上好，{{{{ group.name }}}}！第{n}条文案, with "quotes"; '
        "and a comma.\n"
        f"      第二行：{'很长的文案' * 12}"
        for n in range(SLOTS_PER_DAY)
    )
    files = {
        "content/site.yml": "title: Bench\nlang: zh\ntimezone: Asia/Shanghai\nlimits: "
        "{max_posts_per_day: 20}\n",
        "playbooks/year.md": f"---\ntitle: Year\ntype: interest\nroles: "
        f"[{{id: host, title: 群主}}]\nsop:\n{slots}\n---\n",
        "content/groups/year.md": f"---\nname: 全年群\nplaybook: year\nstart: 2027-01-01\ndays: "
        f"{DAYS}\n"
        f"timezone: {ZONE}\njoin_url: https://example.com/j\npeople: {{host: 王}}\n---\n",
    }
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text, encoding="utf-8")
    return root


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, float]:
    """(best, median) seconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def ics_with_library(job: Job, entries: list[posts.Entry]) -> bytes:
    """The same events made with the icalendar library, for comparison."""
    group = job.group
    labels = job.labels()
    cal = icalendar.Calendar()
    cal.add("prodid", sop_ics.PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", group.name)
    cal.add_component(
        icalendar.Timezone.from_tzinfo(
            schedule.ZoneInfo(group.timezone),
            first_date=group.start,
            last_date=group.end + dt.timedelta(days=1),
        )
    )
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", sop_ics.event_uid(group, entry))
        event.add("dtstamp", dt.datetime(2026, 12, 31, tzinfo=dt.UTC))
        event.add("dtstart", entry.occurrence.start)
        event.add("duration", dt.timedelta(minutes=sop_ics.EVENT_MINUTES))
        event.add("summary", entry.slot.post)
        event.add("description", sop_ics.description(entry, labels, group.lang, "", group.slug))
        event.add("categories", [entry.slot.kind])
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", entry.slot.post)
        alarm.add("trigger", dt.timedelta(minutes=-10))
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = make_project(Path(folder))
        loaded = load_project(root)
        assert loaded.project is not None and not loaded.report.errors, loaded.report.errors
        project = loaded.project
        theme = Theme(project.theme)
        playbook, group = project.playbooks["year"], project.groups["year"]

        job_session = Session()

        def job(kind: str) -> Job:
            return Job(
                project,
                theme,
                Output(LIGHT, f"year/{kind}", kind, "year"),
                root / "dist",
                job_session,
            )

        def expand_cold() -> object:
            schedule.local_start.cache_clear()
            return schedule.expand(playbook, group)

        def cold(work: Callable[[], object]) -> Callable[[], object]:
            """Each output as the first of its group in a build: the posts worked out again (not
            from the cache)."""
            return lambda: (job_session.posts.clear(), work())[1]

        entries = posts.entries(job("ics"))
        ics = sop_ics.sop_ics(job("ics"))
        library_ics = ics_with_library(job("ics"), entries)
        parsed = icalendar.Calendar.from_ical(ics).walk("VEVENT")
        assert len(parsed) == len(entries) == DAYS * SLOTS_PER_DAY
        rows: list[tuple[str, Callable[[], object], int]] = [
            ("expand (cold time-zone cache)", expand_cold, 5),
            ("expand (warm cache)", lambda: schedule.expand(playbook, group), 5),
            ("entries (expand + copy)", cold(lambda: posts.entries(job("ics"))), 5),
            ("sop.ics, written directly", cold(lambda: sop_ics.sop_ics(job("ics"))), 5),
            ("sop.ics via icalendar library", lambda: ics_with_library(job("ics"), entries), 3),
            ("sop.csv", cold(lambda: sop_csv.sop_csv(job("csv"))), 5),
            ("sop.html", cold(lambda: sop_page.sop_html(job("sop_html"))), 3),
            ("parse sop.ics back (icalendar)", lambda: icalendar.Calendar.from_ical(ics), 3),
        ]
        print(f"{DAYS} days x {SLOTS_PER_DAY} slots/day = {len(entries)} occurrences, zone {ZONE}")
        print(
            f"sop.ics {len(ics) / 1e6:.2f} MB (icalendar library's: {len(library_ics) / 1e6:.2f} "
            "MB)"
        )
        print(f"{'step':34} {'best ms':>9} {'median ms':>10}")
        for name, work, repeat in rows:
            best, median = best_of(repeat, work)
            print(f"{name:34} {best * 1000:9.1f} {median * 1000:10.1f}")


if __name__ == "__main__":
    main()
