"""The group's posts, worked out once and shared by every output that lists them (calendars, pages,
handbook, per-occurrence posters).

The one place where a slot's texts become an occurrence's: a text that reads `occurrence` or
`plan` (see templates.PER_OCCURRENCE) is rendered for each occurrence with `occurrence_context`;
any other is rendered once per slot, so a big project pays per occurrence only for the texts that
need it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..media.chart import Chart, Column, Series, stacked_bars
from ..model import Group, GroupPlan, Occurrence, Phase, Project, Slot, Template
from ..schedule import almanac_of, group_expansion, group_slots, is_shifted
from ..templates import (
    occurrence_context,
    per_occurrence,
    post_template_of,
    poster_per_occurrence,
    render,
)
from .job import Job
from .words import day_label


@dataclass(frozen=True)
class Entry:
    """One occurrence with everything an operator needs to send it, in the group's language."""

    occurrence: Occurrence
    copy: str
    role: str  # the owner role's title
    person: str
    poster: str  # "posters/ID.png" (or "posters/ID/DATE.png"), relative to the group's folder
    post: str = ""  # what is posted, as this occurrence says it (a sop_change, a template)
    poster_title: str = ""  # the poster's title as this occurrence's poster prints it, or ""
    # Worked out once here: templates read them thousands of times in a handbook's calendar.
    slot: Slot = field(init=False)
    kind: str = field(init=False)  # the slot's
    phase: Phase | None = field(init=False)
    time: str = field(init=False)  # HH:MM as the calendar shows it
    # the written time does not exist that day (a daylight-saving gap)
    shifted: bool = field(init=False)
    changed: bool = field(init=False)  # a sop_change changes this occurrence
    usual_time: str = field(init=False)  # the slot's own HH:MM when a sop_change moved it, or ""

    def __post_init__(self) -> None:
        occurrence = self.occurrence
        slot = occurrence.slot
        change = occurrence.change
        moved = change is not None and change.time is not None and change.time != slot.when.time
        for name, value in (
            ("slot", slot),
            ("kind", slot.kind),
            ("post", self.post or occurrence.post),
            ("phase", occurrence.phase),
            ("time", f"{occurrence.start:%H:%M}"),
            ("shifted", is_shifted(occurrence)),
            ("changed", change is not None),
            ("usual_time", f"{slot.when.time:%H:%M}" if moved else ""),
        ):
            object.__setattr__(self, name, value)


SlotFacts = tuple[str, str, str, str]  # copy rendered, owner role's title, person, poster file


def slot_facts(job: Job) -> dict[tuple[str, int], SlotFacts]:
    """What each slot of the group's SOP says and who sends it, once per slot (a copy that reads
    `occurrence` is rendered per occurrence instead: its fact is '')."""
    playbook, group, values = job.playbook, job.group, job.values
    facts: dict[tuple[str, int], SlotFacts] = {}
    for slot in group_slots(playbook, group):
        role = playbook.role(slot.owner)
        copy = "" if per_occurrence(slot.copy) else render(slot.copy, values, group).strip()
        facts[(slot.path, slot.order)] = (
            copy,
            role.title if role else slot.owner,
            group.people.get(slot.owner, ""),
            f"posters/{slot.poster}.png" if slot.poster else "",
        )
    return facts


def occurrence_posters(
    project: Project, group: Group, occurrences: list[Occurrence] | None = None
) -> dict[tuple[str, int, dt.date], str]:
    """The file of each occurrence that shows a poster whose texts read `occurrence`:
    posters/ID/YYYY-MM-DD.png, or YYYY-MM-DD-HHMM.png when that date shows the poster more than
    once. Keyed by (slot path, slot order, date); in the order of the occurrences."""
    playbook = project.playbook_of(group)
    wanted = {p.id for p in playbook.posters if poster_per_occurrence(p)}
    if not wanted:
        return {}
    if occurrences is None:
        occurrences = group_expansion(project, group).occurrences
    showing = [o for o in occurrences if o.slot.poster in wanted]
    per_date: dict[tuple[str, dt.date], int] = {}
    for occurrence in showing:
        key = (occurrence.slot.poster, occurrence.date)
        per_date[key] = per_date.get(key, 0) + 1
    files: dict[tuple[str, int, dt.date], str] = {}
    taken: set[str] = set()
    for occurrence in showing:
        poster, date = occurrence.slot.poster, occurrence.date
        name = str(date)
        if per_date[(poster, date)] > 1:
            name += f"-{occurrence.time:%H%M}"
        if f"{poster}/{name}" in taken:  # two slots at one time show it: the slot's id tells
            name += f"-{occurrence.slot.id}"
        taken.add(f"{poster}/{name}")
        files[(occurrence.slot.path, occurrence.slot.order, date)] = f"posters/{poster}/{name}.png"
    return files


def read_calendars(job: Job) -> None:
    """Outputs that show dates read content/calendars: which files there are, and what they say."""
    job.reads.update({"listing:calendars", *job.project.calendars.files})


def plan_input(group: Group, occurrence: Occurrence | None = None) -> str:
    """The input that stands for the plan rows an output shows, rather than the sheet files: the
    rows of all the group's occurrences (`plan:GROUP`), or of one (`plan:GROUP/SLOT/DATE`), so
    that editing one row remakes only what shows it. build.open_state gives their values."""
    if occurrence is None:
        return f"plan:{group.slug}"
    return f"plan:{group.slug}/{occurrence.slot.id}/{occurrence.date}"


def plan_inputs(project: Project) -> list[tuple[str, str]]:
    """The value of every plan input (see plan_input): a group's plan, and the row of each
    occurrence that shows a poster made per occurrence; an occurrence without a row is no input
    of the build state's (it reads as missing)."""
    values: list[tuple[str, str]] = []
    for slug, plan in project.plans.groups.items():
        values.append((f"plan:{slug}", plan.fingerprint))
        group = project.groups[slug]
        playbook = project.playbook_of(group)
        posters = {p.id for p in playbook.posters if poster_per_occurrence(p)}
        slots = {s.id for s in group_slots(playbook, group) if s.poster in posters}
        if slots:
            values += [
                (f"plan:{slug}/{slot}/{date}", row.digest)
                for (slot, date), row in plan.rows.items()
                if slot in slots
            ]
    return values


def read_plans(job: Job) -> GroupPlan | None:
    """Outputs that list a group's posts read its plan rows (when it has plan sheets)."""
    plan = job.project.plans.of(job.group)
    if plan is not None:
        job.reads.add(plan_input(job.group))
    return plan


def entries(job: Job) -> list[Entry]:
    """The group's occurrences with what each says (see facts_and_entries)."""
    return facts_and_entries(job)[1]


def facts_and_entries(job: Job) -> tuple[dict[tuple[str, int], SlotFacts], list[Entry]]:
    """slot_facts and entries of the job's group, worked out once per version of its files (do not
    change them): sop.ics, sop.csv, sop.html and the handbook list the same posts, and a watch
    session keeps them for the files that did not change."""
    project, group = job.project, job.group
    read_calendars(job)
    plan = read_plans(job)
    weekdays = list(job.labels()["weekdays"])
    key = (
        project.site.fingerprint,
        job.playbook.fingerprint,
        group.fingerprint,
        project.calendars.fingerprint,
        tuple(weekdays),  # occurrence.weekday in the theme's words
        plan.fingerprint if plan else "",
    )
    hit = job.session.posts.get(key) if group.fingerprint else None
    if hit is None:
        occurrences = group_expansion(project, group, job.session.expansions).occurrences
        facts = slot_facts(job)
        posters = occurrence_posters(project, group, occurrences)
        values = job.values
        titles = {poster.id: poster.title for poster in job.playbook.posters}
        found = [
            occurrence_entry(occurrence, facts, posters, values, weekdays, group, plan, titles)
            for occurrence in occurrences
        ]
        hit = (facts, found)
        if group.fingerprint:
            job.session.posts.put(key, hit)
    return hit  # type: ignore[no-any-return]


def occurrence_entry(
    occurrence: Occurrence,
    facts: dict[tuple[str, int], SlotFacts],
    posters: dict[tuple[str, int, dt.date], str],
    values: dict[str, Any],
    weekdays: list[str],
    group: Group,
    plan: GroupPlan | None = None,
    poster_titles: Mapping[str, Template | None] | None = None,
) -> Entry:
    """One occurrence's texts: the slot's once-rendered copy, or its own when a sop_change gives
    one or the text reads `occurrence` or `plan` (the row of the group's plan for it); the title
    of its poster (from `poster_titles`, by poster id), as pages label the poster's link."""
    slot = occurrence.slot
    copy, role, person, poster = facts[(slot.path, slot.order)]
    scope: dict[str, Any] | None = None

    def names() -> dict[str, Any]:
        nonlocal scope
        if scope is None:
            row = plan.rows.get((slot.id, occurrence.date)) if plan is not None else None
            scope = occurrence_context(values, occurrence, weekdays, row)
        return scope

    template = occurrence.copy
    if template is not slot.copy or per_occurrence(template):
        copy = render(template, names() if per_occurrence(template) else values, group).strip()
    post_template = post_template_of(occurrence)
    post = occurrence.post
    if post_template is not None:
        scope_of_post = names() if per_occurrence(post_template) else values
        post = render(post_template, scope_of_post, group).strip()
    poster = posters.get((slot.path, slot.order, occurrence.date), poster)
    title = (poster_titles or {}).get(slot.poster) if poster else None
    poster_title = ""
    if title is not None:
        poster_title = render(title, names() if per_occurrence(title) else values, group).strip()
    return Entry(occurrence, copy, role, person, poster, post, poster_title)


def day_marks_of(job: Job, dates: list[dt.date]) -> dict[dt.date, str]:
    """The day headers' marks (元旦（休）, 春节后（班）) of the group's holiday calendar."""
    almanac = almanac_of(job.project, job.group)
    if not almanac.country:
        return {}
    lang = job.group.lang
    return {date: mark for date in dates if (mark := almanac.mark(date, lang))}


def calendar_days(job: Job, items: list[Entry]) -> list[dict[str, Any]]:
    """Days with posts, in order, each opening a phase band where the phase changes, with the
    mark of a public holiday or a make-up workday."""
    labels = job.labels()
    by_date: dict[dt.date, list[Entry]] = {}
    for entry in items:
        by_date.setdefault(entry.occurrence.date, []).append(entry)
    marks = day_marks_of(job, list(by_date))
    almanac = almanac_of(job.project, job.group)
    days: list[dict[str, Any]] = []
    shown_phase: Phase | None = None
    for date, day_entries in by_date.items():
        phase = day_entries[0].phase
        band = None
        if phase is not None and phase != shown_phase:
            band = {
                "name": phase.name,
                "goal": phase.goal,
                "days": f"{day_label(labels, phase.first_day)} – "
                f"{day_label(labels, phase.last_day)}",
            }
        shown_phase = phase
        mark = marks.get(date, "")
        days.append(
            {
                "date": date,
                "weekday": labels["weekdays"][date.weekday()],
                "weekend": date.weekday() >= 5,
                "day": day_label(labels, day_entries[0].occurrence.day),
                "band": band,
                "entries": day_entries,
                "mark": mark,
                # 'off' for a day off of a holiday, 'work' for a make-up workday
                "mark_kind": ("off" if almanac.is_holiday(date) else "work") if mark else "",
            }
        )
    return days


# The kinds' colours, as the theme's stylesheets give them (.kind-activity ...).
KIND_COLOURS = {
    "activity": "#d9480f",
    "content": "#1c7ed6",
    "interaction": "#2b8a3e",
    "notice": "#7048e8",
}
BAND_COLOURS = {"off": "#fde2e1", "work": "#dbe7fb"}
WEEKLY_FROM = 400  # a longer span is charted week by week


def day_chart(job: Job, items: list[Entry]) -> str:
    """Posts per day by kind over the group's whole span, as inline SVG: days off and make-up
    workdays shaded, the posts-per-day limit dashed."""
    group, labels = job.group, job.labels()
    kinds_shown = [k for k in KIND_COLOURS if any(e.kind == k for e in items)]
    kinds_shown += sorted({e.kind for e in items} - set(KIND_COLOURS))
    counts: dict[dt.date, dict[str, int]] = {}
    for entry in items:
        per_kind = counts.setdefault(entry.occurrence.date, {})
        per_kind[entry.kind] = per_kind.get(entry.kind, 0) + 1
    almanac = almanac_of(job.project, group)
    names = labels["kinds"]
    step = 7 if group.days > WEEKLY_FROM else 1
    columns: list[Column] = []
    for first in range(0, group.days, step):
        dates = [
            group.start + dt.timedelta(days=n) for n in range(first, min(first + step, group.days))
        ]
        values: dict[str, int] = {}
        for date in dates:
            for kind, count in counts.get(date, {}).items():
                values[kind] = values.get(kind, 0) + count
        date = dates[0]
        band, mark, text = "", "", ""
        if step == 1 and almanac.country:
            text = almanac.mark(date, group.lang)
            if text:
                band = "off" if almanac.is_holiday(date) else "work"
                mark = str(labels.get(f"chart_mark_{band}", ""))
        total = sum(values.values())
        parts = ", ".join(f"{names.get(k, k)} {values[k]}" for k in kinds_shown if values.get(k))
        when = f"{date} {labels['weekdays'][date.weekday()]}" if step == 1 else f"{date} –"
        tip = f"{when}{' · ' + text if text else ''}: {total}" + (f" ({parts})" if parts else "")
        columns.append(Column(f"{date:%m-%d}", values, tip, band, mark=mark))
    limit = job.project.site.limits.max_posts_per_day * step
    chart = Chart(
        title=str(labels["sop_chart"] if step == 1 else labels["sop_chart_weekly"]),
        series=[
            Series(k, str(names.get(k, k)), KIND_COLOURS.get(k, "#6b7280")) for k in kinds_shown
        ],
        columns=columns,
        bands={
            "off": (str(labels["chart_holiday"]), BAND_COLOURS["off"]),
            "work": (str(labels["chart_makeup"]), BAND_COLOURS["work"]),
        },
        limit=limit if step == 1 else 0,
        limit_label=str(labels["sop_chart_limit"]).format(n=limit),
    )
    return stacked_bars(chart)
