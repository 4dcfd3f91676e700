"""sop.ics: the group's SOP as an iCalendar file (RFC 5545), one event per post, with a reminder.

The .ics text is written here rather than with the icalendar library: every byte is ours
(escaping, 75-octet folding, CRLF), it is about 12 times faster (see bench/results/calendar.md),
and the tests read it back with icalendar. Choices a reader of the file may wonder about:

- DTSTART is the local time calendar apps show, except where a daylight-saving change
  makes the written time ambiguous (01:30 on the night clocks fall back: sop.csv means
  the first) or nonexistent (02:30 on the night they spring forward: 03:30): there it is
  that moment in UTC, because apps disagree on such local times (ical.js and khal take
  the second 01:30; RFC 5545 3.3.5 says the first).
- The VTIMEZONE does not depend on the group: the zone from 1970 on, with its yearly
  rule as RRULEs (see vtimezone()).
- DURATION, not DTEND: an end written in local time could fall in an overlap.
- UID = hash of group slug, slot id and date: a re-import updates the event.
- SUMMARY is `【GROUP】post`: one person's calendar app holds several groups' calendars.
- SEQUENCE is always 0 and DTSTAMP is a second of the day before the group starts,
  picked by a hash of the event's other lines: it changes when the event changes
  (unless the hash lands on the same second, 1 in 86,400) and never between two
  builds of the same inputs. A growing SEQUENCE would need a memory of earlier builds,
  which would make the bytes depend on the history of dist/.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ..model import Group
from ..schedule import is_ambiguous, is_shifted
from .job import Job
from .posts import Entry, entries
from .words import colon, day_label

PRODID = "-//Playpress//EN"
EVENT_MINUTES = 15
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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


def _state_at(zone: ZoneInfo, instant: dt.datetime) -> tuple[object, ...]:
    """What an observance says of this instant: the offset, and the name and saving with it."""
    local = instant.astimezone(zone)
    return local.utcoffset(), local.dst(), local.tzname()


def transitions(zone: ZoneInfo, first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """UTC instants in [first, last] at which the zone's offset (or only its name: AHDT to YST)
    changes, found week by week, then bisected to the second. Day by day finds the same changes
    in all 599 zones of the database, 1970-2037 (checked), and takes 7 times as long."""
    found: list[dt.datetime] = []
    step = dt.timedelta(days=7)
    before = first
    while before < last:
        after = min(before + step, last)
        if _state_at(zone, before) != _state_at(zone, after):
            low, high = before, after
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state_at(zone, middle) == _state_at(zone, low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        before = after
    return found


# The VTIMEZONE describes the zone from FIRST_YEAR on, whatever the group's dates: a client may
# ask it about any date (an event moved, a reminder, a later import), and every sop.ics of one
# zone carries the same one, so a reader that keeps one definition per TZID (vobject) is right
# for all of them. The zone database lists each change up to LAST_YEAR; the yearly rule that
# ends that list is written as an RRULE, so it goes on after it.
FIRST_YEAR, LAST_YEAR = 1970, 2037
RULE_YEARS = 3  # a rule is a pattern the last years all follow, at least this many of them
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Change:
    """One change of a zone's offset, as a VTIMEZONE observance says it."""

    onset: dt.datetime  # the local time it happens at, on the clock before it (RFC 5545 3.6.5)
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    daylight: bool
    name: str

    @property
    def kind(self) -> tuple[bool, dt.timedelta, dt.timedelta, str]:
        return self.daylight, self.offset_from, self.offset_to, self.name


def change_at(zone: ZoneInfo, instant: dt.datetime, name: str) -> Change:
    earlier = (instant - dt.timedelta(seconds=1)).astimezone(zone)
    local = instant.astimezone(zone)
    before = earlier.utcoffset() or dt.timedelta(0)
    # Summer is DAYLIGHT, as clients expect, also where the zone database counts winter as the
    # saving (Europe/Dublin: GMT in winter is "IST minus an hour").
    zero = dt.timedelta(0)
    daylight = (local.dst() or zero) > zero or (
        local.dst() == zero and (earlier.dst() or zero) < zero
    )
    return Change(
        (instant + before).replace(tzinfo=None),
        before,
        local.utcoffset() or zero,
        daylight,
        local.tzname() or name,
    )


def rule_days(onset: dt.datetime) -> set[str]:
    """The BYDAY/BYMONTHDAY forms that name this onset's day in its month: "2SU" (the second
    Sunday), "-1SU" (the last) or "SU;BYMONTHDAY=23,...,29" (the Sunday on or after the 23rd).
    yearly_rule() keeps those every year of the rule shares, and writes the best known of them
    (Outlook knows only the first two)."""
    day, weekday = onset.day, WEEKDAYS[onset.weekday()]
    month_days = calendar.monthrange(onset.year, onset.month)[1]
    forms = {f"{(day - 1) // 7 + 1}{weekday}"} if day <= 28 else set()
    if day + 7 > month_days:
        forms.add(f"-1{weekday}")
    for first in range(max(1, day - 6), min(day, 25) + 1):
        forms.add(f"{weekday};BYMONTHDAY=" + ",".join(str(d) for d in range(first, first + 7)))
    return forms


def yearly_rule(changes: list[Change]) -> tuple[int, list[str]]:
    """Where the yearly rule at the end of the list starts (an index into it; len(changes): no
    rule) and the BYDAY part of each of its changes."""
    by_year: dict[int, list[Change]] = {}
    for change in changes:
        by_year.setdefault(change.onset.year, []).append(change)
    last = by_year.get(LAST_YEAR, [])
    if not last or any(
        len(by_year.get(y, [])) != len(last) for y in range(LAST_YEAR - 2, LAST_YEAR)
    ):
        return len(changes), []
    forms = [rule_days(change.onset) for change in last]
    year = LAST_YEAR
    while year - 1 in by_year and len(by_year[year - 1]) == len(last):
        earlier = by_year[year - 1]
        same = all(
            a.kind == b.kind and a.onset.month == b.onset.month and a.onset.time() == b.onset.time()
            for a, b in zip(earlier, last, strict=True)
        )
        narrowed = [f & rule_days(a.onset) for f, a in zip(forms, earlier, strict=True)]
        if not same or not all(narrowed):
            break
        forms, year = narrowed, year - 1
    if LAST_YEAR - year + 1 < RULE_YEARS:
        return len(changes), []
    first = changes.index(by_year[year][0])
    return first, [
        min(f, key=lambda form: (";" in form, form.startswith("-"), form)) for f in forms
    ]


def observance(change: Change, extra: list[str]) -> list[str]:
    kind = "DAYLIGHT" if change.daylight else "STANDARD"
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{change.onset:%Y%m%dT%H%M%S}",
        *extra,
        f"TZOFFSETFROM:{utc_offset(change.offset_from)}",
        f"TZOFFSETTO:{utc_offset(change.offset_to)}",
        f"TZNAME:{ics_text(change.name)}",
        f"END:{kind}",
    ]


@lru_cache(maxsize=64)
def vtimezone(name: str) -> tuple[str, ...]:
    """The zone's VTIMEZONE from FIRST_YEAR on: its state then, each change up to the yearly rule
    it follows now (RDATEs, one observance per kind of change), then that rule (RRULEs)."""
    zone = ZoneInfo(name)
    begin = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)
    changes = [change_at(zone, instant, name) for instant in transitions(zone, begin, end)]
    local = begin.astimezone(zone)
    offset = local.utcoffset() or dt.timedelta(0)
    start = Change(
        begin.replace(tzinfo=None) + offset,
        offset,
        offset,
        (local.dst() or dt.timedelta(0)) > dt.timedelta(0),
        local.tzname() or name,
    )
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}", *observance(start, [])]
    rule_from, forms = yearly_rule(changes)
    history: dict[tuple[bool, dt.timedelta, dt.timedelta, str], list[Change]] = {}
    for change in changes[:rule_from]:
        history.setdefault(change.kind, []).append(change)
    for same in history.values():
        # One RDATE each, and the first again (DTSTART is always an onset, RFC 5545 3.8.5.2):
        # ical.js (Thunderbird) reads only the first date of an RDATE list, and no DTSTART
        # beside RDATEs.
        onsets = [f"RDATE:{c.onset:%Y%m%dT%H%M%S}" for c in same] if len(same) > 1 else []
        lines += observance(same[0], onsets)
    for change, form in zip(changes[rule_from:], forms, strict=False):
        rule = f"RRULE:FREQ=YEARLY;BYMONTH={change.onset.month};BYDAY={form}"
        lines += observance(change, [rule])
    lines.append("END:VTIMEZONE")
    return tuple(lines)


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
        lines.append(str(labels["sop_shifted"]).format(time=f"{entry.occurrence.time:%H:%M}"))
    if entry.changed:
        lines.append(changed_line(entry, labels))
    return "\n".join(lines)


def changed_line(entry: Entry, labels: dict[str, Any]) -> str:
    """'Changed for this date (usually 08:00)': a sop_change moved or rewrote this occurrence."""
    if entry.usual_time:
        return str(labels["sop_changed_time"]).format(time=entry.usual_time)
    return str(labels["sop_changed"])


def dtstart(start: dt.datetime, zone: str, shifted: bool = False) -> str:
    """DTSTART as every client reads it alike: local time with its TZID, but in UTC for a time
    that happens twice (clocks go back) or was moved out of a spring-forward gap."""
    if shifted or start.replace(fold=1).utcoffset() != start.replace(fold=0).utcoffset():
        return f"DTSTART:{start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    return f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}"


def poster_attachment(entry: Entry, base_url: str, slug: str) -> list[str]:
    """The occurrence's poster as an ATTACH link (RFC 5545 3.8.1.1), when the site has an
    address: calendar apps show it as a link to open (the description names the file too)."""
    if not entry.poster or not base_url:
        return []
    return [f"ATTACH;FMTTYPE=image/png:{base_url.rstrip('/')}/{slug}/{entry.poster}"]


def vevent(entry: Entry, job: Job, labels: dict[str, Any], stamp_base: dt.datetime) -> list[str]:
    group, site = job.group, job.project.site
    start = entry.occurrence.start
    minutes = site.reminder_minutes
    occurrence = entry.occurrence
    start_line = dtstart(start, group.timezone, is_ambiguous(occurrence) or is_shifted(occurrence))
    # the group first: a person with several groups sees where each post goes
    title = f"【{group.name}】{entry.post}"
    body = [
        f"UID:{event_uid(group, entry)}",
        "SEQUENCE:0",
        start_line,
        f"DURATION:PT{EVENT_MINUTES}M",
        f"SUMMARY:{ics_text(title)}",
        "DESCRIPTION:"
        + ics_text(description(entry, labels, group.lang, site.base_url, group.slug)),
        f"CATEGORIES:{ics_text(entry.slot.kind)}",
        *poster_attachment(entry, site.base_url, group.slug),
    ]
    return event_lines(body, title, minutes, stamp_base)


def event_lines(body: list[str], title: str, minutes: int, stamp_base: dt.datetime) -> list[str]:
    """A VEVENT of `body` (its UID first): free time, a reminder `minutes` before, and a DTSTAMP
    on the day of `stamp_base` that is a function of the event's content (same inputs, same
    bytes)."""
    body = [
        *body,
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{ics_text(title)}",
        f"TRIGGER:-PT{minutes}M" if minutes else "TRIGGER:PT0S",
        "END:VALARM",
    ]
    digest = hashlib.sha256("\n".join(body).encode("utf-8")).digest()
    stamp = stamp_base + dt.timedelta(seconds=int.from_bytes(digest[:8], "big") % 86400)
    return ["BEGIN:VEVENT", body[0], f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}", *body[1:], "END:VEVENT"]


def ics_lines(job: Job, items: Iterable[Entry]) -> list[str]:
    group = job.group
    labels = job.labels()
    # DTSTAMPs fall on the day before the group starts: plausible, and a function of the content
    # only.
    stamp_base = dt.datetime.combine(group.start - dt.timedelta(days=1), dt.time(), dt.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_text(group.name)}",
        f"X-WR-TIMEZONE:{group.timezone}",
    ]
    lines += vtimezone(group.timezone)
    for entry in items:
        lines += vevent(entry, job, labels, stamp_base)
    lines.append("END:VCALENDAR")
    return lines


def sop_ics(job: Job) -> bytes:
    """The group's SOP as an iCalendar file: one event per occurrence, with a reminder."""
    return "".join(fold(line) for line in ics_lines(job, entries(job))).encode("utf-8")
