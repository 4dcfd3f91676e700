"""Benchmark of the expansion: 2,000 groups x 30 days, version 1's engine and today's, one run.

The version-1 expansion (commit eb2f0a1, before the almanac) is read from git and run beside
today's on the same groups and slots, interleaved, so both see the same machine load:

- v1: the version-1 forms (daily, weekdays, a weekday list, weekends, campaign days).
- now, same slots: those forms through today's engine, with `holidays: CN` (so every day asks
  the almanac and occurrences carry n, days_left and holiday).
- now, calendar slots: workdays, offdays with `on_holiday: skip`, holidays, monthly, an ordinal
  weekday, every 2 weeks, named dates (国庆 -1, 中秋 -1..0, an event countdown), and a
  `sop_change` per group.

- now, loaded project: the calendar slots again, but the playbook and the 2,000 groups are
  files on disk (`holidays: CN` in site.yml, each group's `events` and `sop_change`, the slot's
  `on_holiday: skip`) read by `load_project`, and each group expanded by `group_expansion`, the
  one function the checks and the outputs call (without a session: no cached expansion).

Groups start on every day from 2026-08-01 (CN, Asia/Shanghai), so spans cross 中秋, 国庆 and
元旦 with their make-up workdays. Each run starts cold: the time-zone and span caches are
cleared, and a new almanac is made (its year tables are built inside the timed run).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playpress import almanac, schedule  # noqa: E402
from playpress.load import load_project  # noqa: E402
from playpress.model import Group, Playbook, Project, Slot, SopChange  # noqa: E402

BASELINE = "eb2f0a1"  # the last commit with the version-1 expansion
GROUPS, DAYS = 2000, 30
V1_WHENS = [
    "daily 08:00",
    "weekdays 12:00",
    "mon,wed,fri 20:00",
    "weekends 10:00",
    "day 1 19:00",
    "days 1-7 21:00",
]
CALENDAR_WHENS = [
    "workdays 11:30",
    "offdays 10:00",
    "holidays 09:00",
    "monthly 1,15 09:00",
    "1st sat 07:00",
    "every 2 weeks sat 09:00",
    "国庆 -1 20:00",
    "中秋 -1..0 20:00",
    "meetup -7..-1 20:00",
]


def baseline_schedule():
    """schedule.py as it was at BASELINE, loaded as playpress.schedule_v1 (same model)."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE}:playpress/schedule.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("playpress.schedule_v1", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "playpress"
    exec(compile(source, "schedule_v1.py", "exec"), module.__dict__)
    return module


def slots(whens: list[str]) -> tuple[Slot, ...]:
    return tuple(
        Slot(
            id=f"s{n}",
            when=schedule.parse_when(w, schedule.ANY_NAME),
            post=f"p{n}",
            kind="content",
            owner="host",
            path="playbooks/p.md",
            line=n + 5,
            order=n,
        )
        for n, w in enumerate(whens)
    )


def groups() -> list[Group]:
    first = dt.date(2026, 8, 1)
    found = []
    for n in range(GROUPS):
        start = first + dt.timedelta(days=n % 150)
        found.append(
            Group(
                slug=f"g{n}",
                path=f"content/groups/g{n}.md",
                name=f"G{n}",
                playbook="p",
                start=start,
                end=start + dt.timedelta(days=DAYS - 1),
                timezone="Asia/Shanghai",
                lang="zh",
            )
        )
    return found


def project_on_disk(folder: Path, changes: dict[str, tuple[SopChange, ...]]) -> Project:
    """The calendar slots and the 2,000 groups as files, read by the real loader."""
    slots = "\n".join(
        f'  - {{id: s{n}, when: "{w}", post: p{n}, kind: content, owner: host'
        + (", on_holiday: skip" if n == 1 else "")
        + "}"
        for n, w in enumerate(CALENDAR_WHENS)
    )
    (folder / "playbooks").mkdir(parents=True)
    (folder / "content" / "groups").mkdir(parents=True)
    (folder / "content" / "site.yml").write_text("title: B\nholidays: CN\n", encoding="utf-8")
    (folder / "playbooks" / "p.md").write_text(
        f"---\ntitle: P\ntype: interest\nroles: [{{id: host, title: H}}]\nsop:\n{slots}\n---\n",
        encoding="utf-8",
    )
    for g in groups():
        (change,) = changes[g.slug]
        (folder / "content" / "groups" / f"{g.slug}.md").write_text(
            f"---\nname: {g.name}\nplaybook: p\nstart: {g.start}\nend: {g.end}\n"
            f"people: {{host: A}}\nevents: {{meetup: {g.start + dt.timedelta(days=20)}}}\n"
            f'sop_change: [{{slot: s0, date: {change.date}, time: "10:00"}}]\n---\n',
            encoding="utf-8",
        )
    started = time.perf_counter()
    loaded = load_project(folder)
    print(
        f"load_project of 2,000 groups (with their checks): {time.perf_counter() - started:.2f} s"
    )
    errors = [str(d) for d in loaded.report.errors]
    assert loaded.project is not None and not errors, errors[:3]
    return loaded.project


def cold() -> None:
    schedule.local_start.cache_clear()
    schedule._span.cache_clear()
    schedule._phases.cache_clear()
    almanac.almanac_for.cache_clear()


def main() -> None:
    v1 = baseline_schedule()
    old_book = Playbook(
        slug="p", path="playbooks/p.md", title="P", type="interest", sop=slots(V1_WHENS)
    )
    new_book = Playbook(
        slug="p", path="playbooks/p.md", title="P", type="interest", sop=slots(CALENDAR_WHENS)
    )
    every = groups()
    meetups = {g.slug: {"meetup": g.start + dt.timedelta(days=20)} for g in every}
    calendar = almanac.Almanac("CN")
    changes = {}
    for g in every:  # each group moves the time of one workday post (its third day's, or later)
        date = g.start + dt.timedelta(days=2)
        while not calendar.is_workday(date):
            date += dt.timedelta(days=1)
        changes[g.slug] = (SopChange("s0", date, time=dt.time(10, 0), path=g.path, line=9),)

    def run_v1() -> int:
        cold()
        v1.local_start.cache_clear()
        return sum(len(v1.expand(old_book, g)) for g in every)

    def run_same() -> int:
        cold()
        cn = almanac.almanac_for("CN")
        return sum(len(schedule.expand(old_book, g, almanac=cn)) for g in every)

    def run_calendar() -> tuple[int, int]:
        cold()
        cn = almanac.almanac_for("CN")
        count = problems = 0
        for g in every:
            found = schedule.expand_group(
                new_book,
                g,
                almanac=cn,
                events=meetups[g.slug],
                changes=changes[g.slug],
                skip_on_holiday={"s1"},
            )
            count += len(found.occurrences)
            problems += sum(d.severity == "error" for d in found.diagnostics)
        return count, problems

    with tempfile.TemporaryDirectory() as folder:
        project = project_on_disk(Path(folder), changes)
    loaded_groups = [project.groups[g.slug] for g in every]

    def run_loaded() -> int:
        cold()
        return sum(len(schedule.group_expansion(project, g).occurrences) for g in loaded_groups)

    # The loaded project expands as the hand-made groups do, occurrence by occurrence.
    for g, loaded in list(zip(every, loaded_groups, strict=True))[:200]:
        direct = schedule.expand_group(
            new_book,
            g,
            almanac=almanac.almanac_for("CN"),
            events=meetups[g.slug],
            changes=changes[g.slug],
            skip_on_holiday={"s1"},
        ).occurrences
        via = schedule.group_expansion(project, loaded).occurrences
        assert [(o.slot.id, o.start) for o in direct] == [(o.slot.id, o.start) for o in via]
    # Same occurrences from both engines on version-1 slots, date by date (no holidays there).
    for g in every[:200]:
        old = [(o.slot.id, o.start) for o in v1.expand(old_book, g)]
        assert old == [(o.slot.id, o.start) for o in schedule.expand(old_book, g)], g.slug
    counts = {
        "v1": run_v1(),
        "now, same slots": run_same(),
        "now, calendar slots": run_calendar()[0],
        "now, loaded project": run_loaded(),
    }
    print(
        f"{GROUPS} groups x {DAYS} days; occurrences: "
        + ", ".join(f"{name} {count}" for name, count in counts.items())
        + f"; errors in the calendar run: {run_calendar()[1]}"
    )
    rounds = 7
    times: dict[str, list[float]] = {name: [] for name in counts}
    works: list[tuple[str, Callable[[], object]]] = [
        ("v1", run_v1),
        ("now, same slots", run_same),
        ("now, calendar slots", run_calendar),
        ("now, loaded project", run_loaded),
    ]
    for _ in range(rounds):  # interleaved: a burst of load hits all three alike
        for name, work in works:
            started = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - started)
    base = min(times["v1"])
    print(f"{'expansion':22} {'best ms':>9} {'median ms':>10} {'best / v1':>10} {'us/occ':>7}")
    for name, spent in times.items():
        print(
            f"{name:22} {min(spent) * 1000:9.0f} {statistics.median(spent) * 1000:10.0f} "
            f"{min(spent) / base:10.2f} {min(spent) / counts[name] * 1e6:7.2f}"
        )


if __name__ == "__main__":
    main()
