"""people/ID/sop.ics: one person's calendar: one event per time and post with every group it goes
to, and their prep tasks as events of their own.

Written as sop.ics is (sop_ics.py: our own escaping, folding and time zones; the tests read it
with icalendar). SUMMARY is `【GROUP】post` for one group and `post ×N groups` for several. UID is
a hash of the person, the moment and the post (or task), so a re-import updates the event when its
groups or copy change; DTSTAMP is a second of the day before the person's first group starts,
picked by a hash of the event's other lines, as in sop.ics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from ..model import Group
from .job import Job
from .sop_ics import EVENT_MINUTES, PRODID, dtstart, event_lines, fold, ics_text, vtimezone
from .staff import Duty, duties_of, groups_of, person_shown
from .words import colon

PREP_MINUTES = 15


def summary(duty: Duty, labels: dict[str, Any]) -> str:
    title = (
        str(labels["prep_summary"]).format(task=duty.post) if duty.prep is not None else duty.post
    )
    if len(duty.sends) == 1:
        return f"【{duty.sends[0].group.name}】{title}"
    return str(labels["summary_many"]).format(post=title, n=len(duty.sends))


SHOWN_GROUPS = (
    12  # a calendar event names this many groups, then counts them (the run sheet lists all)
)


def listed(groups: list[Group], labels: dict[str, Any], joined: str) -> str:
    shown = joined.join(g.name for g in groups[:SHOWN_GROUPS])
    if len(groups) <= SHOWN_GROUPS:
        return shown
    return f"{shown} … ({str(labels['groups_n']).format(n=len(groups))})"


def description(duty: Duty, labels: dict[str, Any], lang: str, base_url: str) -> str:
    """The groups, what to send each (one text for all when they share it), posters, note."""
    sep = colon(lang)
    names = "、" if lang == "zh" else ", "
    lines: list[str] = []
    if duty.prepares is not None:
        lines.append(
            str(labels["prep_for"]).format(time=duty.prepares.time, post=duty.prepares.post)
        )
    lines.append(f"{labels['groups']}{sep}{listed(duty.groups, labels, names)}")
    if duty.prep is None:
        if duty.send == "mass":
            lines.append(str(labels["send_mass"]))
        copies = [(text, sends) for text, sends in duty.copies if text]
        for text, sends in copies:
            lines.append("")
            if len(copies) > 1:
                lines.append(f"【{listed([s.group for s in sends], labels, names)}】")
            lines.append(text)
        posters = [s.poster for s in duty.sends if s.poster]
        if posters:
            lines.append("")
            shown = [f"{base_url.rstrip('/')}/{p}" if base_url else p for p in posters[:6]]
            more = f" (+{len(posters) - 6})" if len(posters) > 6 else ""
            lines.append(f"{labels['sop_poster']}{sep}{' '.join(shown)}{more}")
        if duty.slot.note:
            lines.append(f"{labels['sop_note']}{sep}{duty.slot.note}")
    return "\n".join(lines)


def person_ics(job: Job) -> bytes:
    """The person's posts and prep tasks across their groups, one event per time and post."""
    project = job.project
    person = project.people[job.output.item]
    person_shown(job, person)
    site = project.site
    lang = site.lang
    labels = job.labels(lang)
    groups = groups_of(project, person.id)
    duties = duties_of(job, person.id)
    first = min((g.start for g in groups), default=dt.date(2000, 1, 2))
    stamp_base = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), dt.UTC)
    name = f"{person.name} · {labels['run_sheet']}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_text(name)}",
        f"X-WR-TIMEZONE:{site.timezone}",
    ]
    for zone in sorted({group.timezone for group in groups}):
        lines += vtimezone(zone)  # right for any date a client asks about
    for duty in duties:
        lines += vevent(
            duty, person.id, labels, lang, site.base_url, site.reminder_minutes, stamp_base
        )
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")


def vevent(
    duty: Duty,
    person_id: str,
    labels: dict[str, Any],
    lang: str,
    base_url: str,
    minutes: int,
    stamp_base: dt.datetime,
) -> list[str]:
    zone = duty.sends[0].group.timezone
    uid = hashlib.sha256(f"{person_id}|{duty.key}".encode()).hexdigest()[:32] + "@playpress"
    title = summary(duty, labels)
    length = PREP_MINUTES if duty.prep is not None else EVENT_MINUTES
    body = [
        f"UID:{uid}",
        "SEQUENCE:0",
        dtstart(duty.start, zone),
        f"DURATION:PT{length}M",
        f"SUMMARY:{ics_text(title)}",
        f"DESCRIPTION:{ics_text(description(duty, labels, lang, base_url))}",
        f"CATEGORIES:{ics_text(duty.kind)}",
    ]
    return event_lines(body, title, minutes, stamp_base)
