"""The group's posts, worked out once and shared by every output that lists them (calendars,
pages, handbook)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..model import Occurrence, Phase, Slot
from ..schedule import expand, group_slots, is_shifted
from ..templates import render
from .job import Job
from .words import day_label


@dataclass(frozen=True)
class Entry:
    """One occurrence with everything an operator needs to send it, in the group's language."""

    occurrence: Occurrence
    copy: str
    role: str  # the owner role's title
    person: str
    poster: str  # "posters/ID.png", relative to the group's folder, or ""
    # Worked out once here: templates read them thousands of times in a handbook's calendar.
    slot: Slot = field(init=False)
    kind: str = field(init=False)  # the slot's
    post: str = field(init=False)  # the slot's
    phase: Phase | None = field(init=False)
    time: str = field(init=False)  # HH:MM as the calendar shows it
    # the written time does not exist that day (a daylight-saving gap)
    shifted: bool = field(init=False)

    def __post_init__(self) -> None:
        occurrence = self.occurrence
        slot = occurrence.slot
        for name, value in (
            ("slot", slot),
            ("kind", slot.kind),
            ("post", slot.post),
            ("phase", occurrence.phase),
            ("time", f"{occurrence.start:%H:%M}"),
            ("shifted", is_shifted(occurrence)),
        ):
            object.__setattr__(self, name, value)


SlotFacts = tuple[str, str, str, str]  # copy rendered, owner role's title, person, poster file


def slot_facts(job: Job) -> dict[tuple[str, int], SlotFacts]:
    """What each slot of the group's SOP says and who sends it: copy does not depend on the date."""
    playbook, group, values = job.playbook, job.group, job.values
    facts: dict[tuple[str, int], SlotFacts] = {}
    for slot in group_slots(playbook, group):
        role = playbook.role(slot.owner)
        facts[(slot.path, slot.order)] = (
            render(slot.copy, values, group).strip(),
            role.title if role else slot.owner,
            group.people.get(slot.owner, ""),
            f"posters/{slot.poster}.png" if slot.poster else "",
        )
    return facts


def entries(job: Job) -> list[Entry]:
    """The group's occurrences with each slot's facts (copy rendered once per slot)."""
    return facts_and_entries(job)[1]


def facts_and_entries(job: Job) -> tuple[dict[tuple[str, int], SlotFacts], list[Entry]]:
    """slot_facts and entries of the job's group, worked out once per version of its files (do
    not change them): sop.ics, sop.csv, sop.html and the handbook list the same posts, and a
    watch session keeps them for the files that did not change."""
    key = (job.project.site.fingerprint, job.playbook.fingerprint, job.group.fingerprint)
    hit = job.session.posts.get(key)
    if hit is None:
        facts = slot_facts(job)
        hit = job.session.posts.put(
            key,
            (
                facts,
                [
                    Entry(occurrence, *facts[(occurrence.slot.path, occurrence.slot.order)])
                    for occurrence in expand(job.playbook, job.group)
                ],
            ),
        )
    return hit  # type: ignore[no-any-return]


def calendar_days(job: Job, items: list[Entry]) -> list[dict[str, Any]]:
    """Days with posts, in order, each opening a phase band where the phase changes."""
    labels = job.labels()
    by_date: dict[dt.date, list[Entry]] = {}
    for entry in items:
        by_date.setdefault(entry.occurrence.date, []).append(entry)
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
        days.append(
            {
                "date": date,
                "weekday": labels["weekdays"][date.weekday()],
                "weekend": date.weekday() >= 5,
                "day": day_label(labels, day_entries[0].occurrence.day),
                "band": band,
                "entries": day_entries,
            }
        )
    return days
