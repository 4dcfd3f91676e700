"""The SOP as calendars: sop.ics (RFC 5545), sop.csv (Excel and SCRM import) and sop.html (printable).

All three show the occurrences of `schedule.expand`, the same ones validation counts.

The .ics text is written here rather than with the icalendar library: every byte
is ours (escaping, 75-octet folding, CRLF), it is about 12 times faster (see
bench/results/calendar.md), and the tests read it back with icalendar. Choices a
reader of the file may wonder about:

- DTSTART is the local time calendar apps show: a time in a spring-forward gap is
  written as the moment it resolves to (02:30 -> 03:30, RFC 5545 3.3.5); a time in
  a fall-back overlap is written as is and means its first occurrence.
- DURATION, not DTEND: an end written in local time could fall in an overlap.
- UID = hash of group slug, slot id and date: a re-import updates the event.
- SEQUENCE is always 0 and DTSTAMP is a second of the day before the group starts,
  picked by a hash of the event's other lines: it changes when the event changes
  (unless the hash lands on the same second, 1 in 86,400) and never between two
  builds of the same inputs. A growing SEQUENCE would need a memory of earlier builds,
  which would make the bytes depend on the history of dist/.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .model import Group, Occurrence, Phase, Slot
from .plan import Job
from .schedule import expand, group_slots, is_shifted
from .templates import render

PRODID = "-//Playpress//EN"
EVENT_MINUTES = 15
CSV_COLUMNS = ("date", "time", "weekday", "phase", "kind", "post", "owner", "person", "poster", "copy",
               "day", "slot", "note", "timezone")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
    shifted: bool = field(init=False)  # the written time does not exist that day (a daylight-saving gap)

    def __post_init__(self) -> None:
        occurrence = self.occurrence
        slot = occurrence.slot
        for name, value in (("slot", slot), ("kind", slot.kind), ("post", slot.post), ("phase", occurrence.phase),
                            ("time", f"{occurrence.start:%H:%M}"), ("shifted", is_shifted(occurrence))):
            object.__setattr__(self, name, value)


SlotFacts = tuple[str, str, str, str]  # copy rendered, owner role's title, person, poster file


def slot_facts(job: Job) -> dict[tuple[str, int], SlotFacts]:
    """What each slot of the group's SOP says and who sends it: copy does not depend on the date."""
    playbook, group, values = job.playbook, job.group, job.values
    facts: dict[tuple[str, int], SlotFacts] = {}
    for slot in group_slots(playbook, group):
        role = playbook.role(slot.owner)
        facts[(slot.path, slot.order)] = (render(slot.copy, values, group).strip(), role.title if role else slot.owner,
                                          group.people.get(slot.owner, ""),
                                          f"posters/{slot.poster}.png" if slot.poster else "")
    return facts


def entries(job: Job) -> list[Entry]:
    """The group's occurrences with each slot's facts (copy rendered once per slot)."""
    return facts_and_entries(job)[1]


# Per (site, playbook, group) objects, kept alive beside the result so that an id is never reused
# while cached: sop.ics, sop.csv, sop.html and the handbook list the same posts, and a watch session
# keeps the objects of files that did not change.
_ENTRIES: dict[tuple[int, ...], tuple[tuple[object, ...], tuple[dict[tuple[str, int], SlotFacts], list[Entry]]]] = {}


def facts_and_entries(job: Job) -> tuple[dict[tuple[str, int], SlotFacts], list[Entry]]:
    """slot_facts and entries of the job's group, worked out once per version of its files (do not change them)."""
    keep = (job.project.site, job.playbook, job.group)
    key = tuple(map(id, keep))
    hit = _ENTRIES.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], keep, strict=True)):
        return hit[1]
    facts = slot_facts(job)
    found = (facts, [Entry(occurrence, *facts[(occurrence.slot.path, occurrence.slot.order)])
                     for occurrence in expand(job.playbook, job.group)])
    if len(_ENTRIES) >= 1024:
        _ENTRIES.clear()
    _ENTRIES[key] = (keep, found)
    return found


def people(job: Job) -> list[tuple[str, str]]:
    """Who runs the group: (role title, person) for each role that has a person."""
    return [(role.title, job.group.people[role.id]) for role in job.playbook.roles if role.id in job.group.people]


def colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def day_label(labels: dict[str, Any], day: int) -> str:
    return str(labels["day_n"]).format(n=day)


# --- sop.ics ------------------------------------------------------------------------------

def ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and new lines escaped."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # continuation lines start with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def utc_offset(offset: dt.timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _offset_at(zone: ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(zone).utcoffset() or dt.timedelta(0)


def transitions(zone: ZoneInfo, first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """UTC instants in [first, last] at which the zone's offset changes (found day by day, then bisected)."""
    found: list[dt.datetime] = []
    step = dt.timedelta(days=1)
    before = first
    while before < last:
        after = min(before + step, last)
        if _offset_at(zone, before) != _offset_at(zone, after):
            low, high = before, after
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_at(zone, middle) == _offset_at(zone, low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        before = after
    return found


def vtimezone(name: str, first_day: dt.date, last_day: dt.date) -> list[str]:
    """A VTIMEZONE covering the days given, built from the zone's transitions (one observance each)."""
    zone = ZoneInfo(name)
    begin = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=2), dt.time(), zone).astimezone(dt.UTC)

    def observance(instant: dt.datetime, offset_from: dt.timedelta) -> list[str]:
        local = instant.astimezone(zone)
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        onset = (instant + offset_from).replace(tzinfo=None)  # local time before the change (RFC 5545 3.6.5)
        return [f"BEGIN:{kind}", f"DTSTART:{onset:%Y%m%dT%H%M%S}", f"TZOFFSETFROM:{utc_offset(offset_from)}",
                f"TZOFFSETTO:{utc_offset(local.utcoffset() or dt.timedelta(0))}",
                f"TZNAME:{ics_text(local.tzname() or name)}", f"END:{kind}"]

    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    lines += observance(begin, _offset_at(zone, begin))
    for instant in transitions(zone, begin, end):
        lines += observance(instant, _offset_at(zone, instant - dt.timedelta(seconds=1)))
    lines.append("END:VTIMEZONE")
    return lines


def event_uid(group: Group, entry: Entry) -> str:
    key = f"{group.slug}|{entry.slot.id}|{entry.occurrence.date.isoformat()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@playpress"


def description(entry: Entry, labels: dict[str, Any], lang: str, base_url: str, slug: str) -> str:
    """What to send and who sends it: the copy, then owner, poster, note and phase lines."""
    sep = colon(lang)
    lines = [entry.copy, ""] if entry.copy else []
    lines.append(f"{labels['sop_owner']}{sep}{entry.role} {entry.person}".rstrip())
    if entry.poster:
        link = f" ({base_url.rstrip('/')}/{slug}/{entry.poster})" if base_url else ""
        lines.append(f"{labels['sop_poster']}{sep}{entry.poster}{link}")
    if entry.slot.note:
        lines.append(f"{labels['sop_note']}{sep}{entry.slot.note}")
    phase = entry.phase
    where = day_label(labels, entry.occurrence.day)
    lines.append(f"{labels['sop_phase']}{sep}{phase.name} · {where}" if phase else where)
    if entry.shifted:
        lines.append(str(labels["sop_shifted"]).format(time=f"{entry.slot.when.time:%H:%M}"))
    return "\n".join(lines)


def vevent(entry: Entry, job: Job, labels: dict[str, Any], stamp_base: dt.datetime) -> list[str]:
    group, site = job.group, job.project.site
    start = entry.occurrence.start
    minutes = site.reminder_minutes
    body = [
        f"UID:{event_uid(group, entry)}",
        "SEQUENCE:0",
        f"DTSTART;TZID={group.timezone}:{start:%Y%m%dT%H%M%S}",
        f"DURATION:PT{EVENT_MINUTES}M",
        f"SUMMARY:{ics_text(entry.slot.post)}",
        f"DESCRIPTION:{ics_text(description(entry, labels, group.lang, site.base_url, group.slug))}",
        f"CATEGORIES:{ics_text(entry.slot.kind)}",
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{ics_text(entry.slot.post)}",
        f"TRIGGER:-PT{minutes}M" if minutes else "TRIGGER:PT0S",
        "END:VALARM",
    ]
    digest = hashlib.sha256("\n".join(body).encode("utf-8")).digest()
    stamp = stamp_base + dt.timedelta(seconds=int.from_bytes(digest[:8], "big") % 86400)
    return ["BEGIN:VEVENT", body[0], f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}", *body[1:], "END:VEVENT"]


def ics_lines(job: Job, items: Iterable[Entry]) -> list[str]:
    group = job.group
    labels = job.labels()
    # DTSTAMPs fall on the day before the group starts: plausible, and a function of the content only.
    stamp_base = dt.datetime.combine(group.start - dt.timedelta(days=1), dt.time(), dt.UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{ics_text(group.name)}", f"X-WR-TIMEZONE:{group.timezone}"]
    lines += vtimezone(group.timezone, group.start, group.end)
    for entry in items:
        lines += vevent(entry, job, labels, stamp_base)
    lines.append("END:VCALENDAR")
    return lines


def sop_ics(job: Job) -> bytes:
    """The group's SOP as an iCalendar file: one event per occurrence, with a reminder."""
    return "".join(fold(line) for line in ics_lines(job, entries(job))).encode("utf-8")


# --- sop.csv ------------------------------------------------------------------------------

def sop_csv(job: Job) -> bytes:
    """One row per occurrence; UTF-8 with a byte-order mark so Excel shows Chinese; RFC 4180 quoting."""
    group = job.group
    weekdays = job.labels()["weekdays"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries(job):
        occurrence = entry.occurrence
        writer.writerow([
            occurrence.date.isoformat(), entry.time, weekdays[occurrence.date.weekday()],
            entry.phase.name if entry.phase else "", entry.slot.kind, entry.slot.post, entry.role, entry.person,
            entry.poster, entry.copy, occurrence.day, entry.slot.id, entry.slot.note, group.timezone,
        ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- sop.html -----------------------------------------------------------------------------

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
            band = {"name": phase.name, "goal": phase.goal,
                    "days": f"{day_label(labels, phase.first_day)} – {day_label(labels, phase.last_day)}"}
        shown_phase = phase
        days.append({"date": date, "weekday": labels["weekdays"][date.weekday()], "weekend": date.weekday() >= 5,
                     "day": day_label(labels, day_entries[0].occurrence.day), "band": band, "entries": day_entries})
    return days


def sop_html(job: Job) -> bytes:
    """The SOP as a printable page: by day, phases as bands, copy in full; fits A4 portrait."""
    group, playbook = job.group, job.playbook
    labels = job.labels()
    items = entries(job)
    html = job.theme.render("sop.html", job.reads, lang=group.lang, labels=labels, colon=colon(group.lang),
                            group=group, playbook=playbook,
                            site=job.project.site, days=calendar_days(job, items), count=len(items),
                            people=people(job),
                            kinds=sorted({e.slot.kind for e in items}))
    return html.encode("utf-8")
