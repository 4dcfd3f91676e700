"""sop.ics: the group's SOP as an iCalendar file (RFC 5545), one event per post, with a reminder.

The .ics text is written here rather than with the icalendar library: every byte is ours
(escaping, 75-octet folding, CRLF), it is about 12 times faster (see bench/results/calendar.md),
and the tests read it back with icalendar. Choices a reader of the file may wonder about:

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

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from ..model import Group
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


def _offset_at(zone: ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(zone).utcoffset() or dt.timedelta(0)


def transitions(zone: ZoneInfo, first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """UTC instants in [first, last] at which the zone's offset changes (found day by day, then
    bisected)."""
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
    """A VTIMEZONE covering the days given, built from the zone's transitions (one observance
    each)."""
    zone = ZoneInfo(name)
    begin = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(), zone).astimezone(
        dt.UTC
    )
    end = dt.datetime.combine(last_day + dt.timedelta(days=2), dt.time(), zone).astimezone(dt.UTC)

    def observance(instant: dt.datetime, offset_from: dt.timedelta) -> list[str]:
        local = instant.astimezone(zone)
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        # local time before the change (RFC 5545 3.6.5)
        onset = (instant + offset_from).replace(tzinfo=None)
        return [
            f"BEGIN:{kind}",
            f"DTSTART:{onset:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{utc_offset(offset_from)}",
            f"TZOFFSETTO:{utc_offset(local.utcoffset() or dt.timedelta(0))}",
            f"TZNAME:{ics_text(local.tzname() or name)}",
            f"END:{kind}",
        ]

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
        lines.append(str(labels["sop_shifted"]).format(time=f"{entry.occurrence.time:%H:%M}"))
    if entry.changed:
        lines.append(changed_line(entry, labels))
    return "\n".join(lines)


def changed_line(entry: Entry, labels: dict[str, Any]) -> str:
    """'Changed for this date (usually 08:00)': a sop_change moved or rewrote this occurrence."""
    if entry.usual_time:
        return str(labels["sop_changed_time"]).format(time=entry.usual_time)
    return str(labels["sop_changed"])


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
    body = [
        f"UID:{event_uid(group, entry)}",
        "SEQUENCE:0",
        f"DTSTART;TZID={group.timezone}:{start:%Y%m%dT%H%M%S}",
        f"DURATION:PT{EVENT_MINUTES}M",
        f"SUMMARY:{ics_text(entry.post)}",
        "DESCRIPTION:"
        + ics_text(description(entry, labels, group.lang, site.base_url, group.slug)),
        f"CATEGORIES:{ics_text(entry.slot.kind)}",
        *poster_attachment(entry, site.base_url, group.slug),
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{ics_text(entry.post)}",
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
    lines += vtimezone(group.timezone, group.start, group.end)
    for entry in items:
        lines += vevent(entry, job, labels, stamp_base)
    lines.append("END:VCALENDAR")
    return lines


def sop_ics(job: Job) -> bytes:
    """The group's SOP as an iCalendar file: one event per occurrence, with a reminder."""
    return "".join(fold(line) for line in ics_lines(job, entries(job))).encode("utf-8")
