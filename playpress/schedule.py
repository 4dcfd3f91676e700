"""The `when` grammar and its expansion into occurrences over a group's span.

One implementation serves validation (posts per day, activity share, campaign
days outside the span) and every calendar output, so they can never disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

from .model import Group, Occurrence, Phase, Playbook, Slot, When

WEEKDAY_NAMES: dict[str, int] = {}
for _index, _names in enumerate([
    ("mon", "monday", "周一", "星期一", "礼拜一", "lun", "lunes"),
    ("tue", "tues", "tuesday", "周二", "星期二", "礼拜二", "mar", "martes"),
    ("wed", "wednesday", "周三", "星期三", "礼拜三", "mié", "mie", "miercoles", "miércoles"),
    ("thu", "thur", "thurs", "thursday", "周四", "星期四", "礼拜四", "jue", "jueves"),
    ("fri", "friday", "周五", "星期五", "礼拜五", "vie", "viernes"),
    ("sat", "saturday", "周六", "星期六", "礼拜六", "sáb", "sab", "sabado", "sábado"),
    ("sun", "sunday", "周日", "周天", "星期日", "星期天", "礼拜日", "礼拜天", "dom", "domingo"),
]):
    for _name in _names:
        WEEKDAY_NAMES[_name] = _index

GRAMMAR = ("WHEN is DAYS then HH:MM, DAYS one of: daily, weekdays, weekends, "
           "weekday list like 'mon,wed' or '周一,周三', 'day N', 'days N-M', or a date YYYY-MM-DD")

_WHEN = re.compile(r"^\s*(?P<days>.+?)\s+(?P<time>\S+)\s*$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAY = re.compile(r"^day\s+(-?\d+)$", re.I)
_DAYS = re.compile(r"^days\s+(-?\d+)\s*-\s*(-?\d+)$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class WhenError(ValueError):
    def __init__(self, message: str, hint: str = GRAMMAR) -> None:
        super().__init__(message)
        self.hint = hint


def parse_when(text: str) -> When:
    """Parse one `when` string; raises WhenError saying what the grammar accepts."""
    if not isinstance(text, str) or not text.strip():
        raise WhenError("'when' is empty")
    match = _WHEN.match(text)
    if not match:
        raise WhenError(f"'{text}' has no time of day", "write the days, a space, then HH:MM, e.g. 'daily 08:30'")
    days_text, time_text = match.group("days").strip(), match.group("time")
    time_match = _TIME.match(time_text)
    if not time_match:
        raise WhenError(f"'{time_text}' in '{text}' is not a time", "write the time as 24-hour HH:MM, e.g. 20:00")
    hour, minute = int(time_match.group(1)), int(time_match.group(2))
    if hour > 23 or minute > 59:
        raise WhenError(f"'{time_text}' in '{text}' is not a time of day",
                        "write a 24-hour time HH:MM: hours 00-23, minutes 00-59")
    time = dt.time(hour, minute)
    lowered = days_text.lower()
    if lowered in ("daily", "weekdays", "weekends"):
        return When(text, lowered, time)
    if match_day := _DAY.match(days_text):
        day = int(match_day.group(1))
        if day < 1:
            raise WhenError(f"'day {day}' in '{text}': campaign days start at 1", "day 1 is the group's start date")
        return When(text, "campaign", time, first_day=day, last_day=day)
    if match_days := _DAYS.match(days_text):
        first, last = int(match_days.group(1)), int(match_days.group(2))
        if first < 1:
            raise WhenError(f"'days {first}-{last}' in '{text}': campaign days start at 1",
                            "day 1 is the group's start date")
        if last < first:
            raise WhenError(f"'days {first}-{last}' in '{text}' runs backwards",
                            f"write the earlier day first: 'days {last}-{first}'")
        return When(text, "campaign", time, first_day=first, last_day=last)
    if _DATE.match(days_text):
        try:
            date = dt.date.fromisoformat(days_text)
        except ValueError:
            raise WhenError(f"'{days_text}' in '{text}' is not a real date", "write a date as YYYY-MM-DD") from None
        return When(text, "date", time, date=date)
    if lowered.startswith(("day ", "days ")) or lowered in ("day", "days"):
        raise WhenError(f"'{days_text}' in '{text}' is not a campaign day", "write 'day N' or 'days N-M' with N >= 1")
    weekdays: list[int] = []
    for name in re.split(r"\s*[,，、]\s*", lowered):
        if name not in WEEKDAY_NAMES:
            raise WhenError(f"'{name}' in '{text}' is not a weekday or a day pattern", GRAMMAR)
        if WEEKDAY_NAMES[name] not in weekdays:
            weekdays.append(WEEKDAY_NAMES[name])
    return When(text, "weekly", time, weekdays=tuple(sorted(weekdays)))


def slot_id(when: str, post: str) -> str:
    """The default slot id, stable across builds: derived from `when` and `post`."""
    return "slot-" + hashlib.sha1(f"{when}|{post}".encode()).hexdigest()[:8]


def falls_on(when: When, date: dt.date, day: int) -> bool:
    if when.days == "daily":
        return True
    if when.days == "weekdays":
        return date.weekday() < 5
    if when.days == "weekends":
        return date.weekday() >= 5
    if when.days == "weekly":
        return date.weekday() in when.weekdays
    if when.days == "campaign":
        return when.first_day <= day <= when.last_day
    return when.date == date


def phase_of(phases: Iterable[Phase], day: int) -> Phase | None:
    return next((p for p in phases if p.first_day <= day <= p.last_day), None)


def group_slots(playbook: Playbook, group: Group) -> tuple[Slot, ...]:
    """The group's SOP: the playbook's slots minus `sop_skip`, plus `sop_add`."""
    return tuple(s for s in playbook.sop if s.id not in group.sop_skip) + group.sop_add


@lru_cache(maxsize=1 << 16)  # groups share dates and times: each conversion is done once per build
def local_start(date: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The wall-clock moment calendar apps show (RFC 5545 3.3.5).

    A time inside a spring-forward gap is read with the offset before the gap (02:30
    becomes 03:30); a time in a fall-back overlap is its first occurrence.
    """
    naive = dt.datetime.combine(date, time)
    aware = naive.replace(tzinfo=zone, fold=0)
    return aware.astimezone(dt.UTC).astimezone(zone)


def expand(playbook: Playbook, group: Group, slots: tuple[Slot, ...] | None = None) -> list[Occurrence]:
    """Every occurrence of the group's slots from its start to its end, sorted by time then slot order."""
    zone = ZoneInfo(group.timezone)
    slots = group_slots(playbook, group) if slots is None else slots
    occurrences: list[Occurrence] = []
    for offset in range(group.days):
        date = group.start + dt.timedelta(days=offset)
        day = offset + 1
        phase = phase_of(playbook.phases, day)
        for slot in slots:
            if falls_on(slot.when, date, day):
                occurrences.append(Occurrence(slot, date, day, local_start(date, slot.when.time, zone), phase))
    occurrences.sort(key=lambda o: (o.start, o.slot.order))
    return occurrences


def is_shifted(occurrence: Occurrence) -> bool:
    """True when the written time does not exist that day (a daylight-saving gap)."""
    return occurrence.start.time().replace(tzinfo=None) != occurrence.slot.when.time


def is_ambiguous(occurrence: Occurrence) -> bool:
    """True when the written time happens twice that day (a fall-back overlap): it means the first."""
    return occurrence.start.replace(fold=1).utcoffset() != occurrence.start.utcoffset()
