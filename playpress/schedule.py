"""The `when` grammar and its expansion into occurrences over a group's span.

One implementation serves validation (posts per day, activity share, campaign days outside the
span), every calendar output, plans and posters, so they can never disagree. Which days are
workdays, holidays and named dates is the almanac's (almanac.py); this module only asks it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .almanac import (
    Almanac,
    Difference,
    almanac_for,
    name_key,
    shipped_display_names,
    shipped_names,
)
from .diagnostics import ERROR, NOTE, WARNING, Diagnostic, did_you_mean
from .model import Group, Occurrence, Phase, Playbook, Project, Slot, SopChange, When
from .session import Cache

WEEKDAY_NAMES: dict[str, int] = {}
for _index, _names in enumerate(
    [
        ("mon", "monday", "周一", "星期一", "礼拜一", "lun", "lunes"),
        ("tue", "tues", "tuesday", "周二", "星期二", "礼拜二", "mar", "martes"),
        ("wed", "wednesday", "周三", "星期三", "礼拜三", "mié", "mie", "miercoles", "miércoles"),
        ("thu", "thur", "thurs", "thursday", "周四", "星期四", "礼拜四", "jue", "jueves"),
        ("fri", "friday", "周五", "星期五", "礼拜五", "vie", "viernes"),
        ("sat", "saturday", "周六", "星期六", "礼拜六", "sáb", "sab", "sabado", "sábado"),
        ("sun", "sunday", "周日", "周天", "星期日", "星期天", "礼拜日", "礼拜天", "dom", "domingo"),
    ]
):
    for _name in _names:
        WEEKDAY_NAMES[_name] = _index

GRAMMAR = (
    "WHEN is DAYS then HH:MM, DAYS one of: daily, weekdays, weekends, workdays, offdays, "
    "holidays, weekday list like 'mon,wed' or '周一,周三', 'day N', 'days N-M', a date "
    "YYYY-MM-DD, 'monthly 1,15', '1st sat' or '第一个周六', 'every 2 weeks sat', or a named "
    "date like '春节 -3' or '双11 -1..0'"
)
KEYWORDS = ("daily", "weekdays", "weekends", "workdays", "offdays", "holidays")
MAX_OFFSET = 366  # named-date offsets reach a year either way: lookups stay near the span
ORDINALS = {
    "1st": 1,
    "first": 1,
    "primer": 1,
    "primero": 1,
    "2nd": 2,
    "second": 2,
    "segundo": 2,
    "3rd": 3,
    "third": 3,
    "tercer": 3,
    "tercero": 3,
    "4th": 4,
    "fourth": 4,
    "cuarto": 4,
    "last": -1,
    "último": -1,
    "ultimo": -1,
}
_CHINESE_ORDINALS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_WHEN = re.compile(r"^\s*(?P<days>.+?)\s+(?P<time>\S+)\s*$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAY = re.compile(r"^day\s+(-?\d{1,9})$", re.I)  # 9 digits: int() stays quick
_DAYS = re.compile(r"^days\s+(-?\d{1,9})\s*-\s*(-?\d{1,9})$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_LIKE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_LIST = re.compile(r"\s*[,，、]\s*")
_MONTHLY = re.compile(r"^monthly(?:\s+(?P<days>.*))?$", re.I)
_EVERY = re.compile(r"^every(?:\s+(?P<n>\S+))?(?:\s+(?P<unit>weeks?))?(?:\s+(?P<days>.+))?$", re.I)
_ORDINAL = re.compile(
    r"^(?P<ord>\d+(?:st|nd|rd|th)|first|second|third|fourth|last|primer|primero|"
    r"segundo|tercer|tercero|cuarto|último|ultimo)\s+(?P<day>\S+)$",
    re.I,
)
_ORDINAL_ZH = re.compile(
    r"^(?:每月)?(?:第(?P<n>\S+?)个|(?P<last>最后一个|倒数第一个))"
    r"\s*(?P<day>\S+)$"
)
_WEEKDAY_LIKE = re.compile(r"^(?:周|星期|礼拜)\S$")
_NAMED = re.compile(
    r"^(?P<name>.+?)(?:\s+(?P<first>[+-]?\d{1,9})"
    r"(?:\s*(?P<sep>\.{2,3}|~|到|至)\s*(?P<last>[+-]?\d{1,9}))?)?$"
)
_GLUED = re.compile(r"^(?P<name>.*?\S)(?P<offsets>[+-]\d{1,9}(?:\.\.[+-]?\d{1,9})?)$")


class WhenError(ValueError):
    def __init__(self, message: str, hint: str = GRAMMAR) -> None:
        super().__init__(message)
        self.hint = hint


class _AnyName(Container[str]):
    """Every name: parse the grammar alone and check names per group (`expand_group`)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ANY_NAME"


ANY_NAME = _AnyName()


def read_text(text: str) -> str:
    """What a `when` says once full-width forms are folded ('２０：００' is '20:00', Unicode
    NFKC) and any run of spaces, ideographic spaces '　', tabs or line breaks is one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_when(text: str, names: Container[str] | None = None) -> When:
    """Parse one `when` string; raises WhenError saying what the grammar accepts.

    A named date must be one of `names` (compared as `almanac.name_key` gives them); without
    them, the shipped names (China's holidays, lunar festivals, promo dates). Pass `ANY_NAME` to
    parse the grammar alone, independent of any group, and let `expand_group` check each name
    against the names the group can see.
    """
    return _parse(text, names, hints=True)


def _parse(text: str, names: Container[str] | None, hints: bool) -> When:
    """parse_when; `hints` is False while trying repairs for a hint (so they never recurse)."""
    if not isinstance(text, str) or not text.strip():
        raise WhenError("'when' is empty")
    read = read_text(text)
    match = _WHEN.match(read)
    if not match:
        alone = _clock(read) or (read if _TIME.match(read) else "")
        message = f"'{text}' has no days" if alone else f"'{text}' has no time of day"
        if hints and (suggestion := _suggest(read)):
            raise WhenError(message, suggestion)
        if alone:
            raise WhenError(message, f"write the days before the time, e.g. 'daily {alone}'")
        if hints and _parses(f"{read} 20:00", None):
            raise WhenError(message, f"write the time after the days, e.g. '{read} 20:00'")
        raise WhenError(message, "write the days, a space, then HH:MM, e.g. 'daily 08:30'")
    days_text, time_text = match.group("days").strip(), match.group("time")
    time_match = _TIME.match(time_text)
    if not time_match:
        raise WhenError(
            f"'{time_text}' in '{text}' is not a time",
            (hints and _suggest(read)) or "write the time as 24-hour HH:MM, e.g. 20:00",
        )
    hour, minute = int(time_match.group(1)), int(time_match.group(2))
    if hour > 23 or minute > 59:
        raise WhenError(
            f"'{time_text}' in '{text}' is not a time of day",
            "write a 24-hour time HH:MM: hours 00-23, minutes 00-59",
        )
    return _parse_days(text, days_text, dt.time(hour, minute), names)


MAX_CAMPAIGN_DAY = 3660  # ten years, as a group's span


def _campaign_fits(text: str, day: int) -> None:
    if day > MAX_CAMPAIGN_DAY:
        raise WhenError(
            f"day {day} in '{text}' is past the last campaign day a group can have "
            f"({MAX_CAMPAIGN_DAY}, ten years)",
            "count campaign days from the group's start: day 1, day 2, ...",
        )


def _parse_days(text: str, days_text: str, time: dt.time, names: Container[str] | None) -> When:
    lowered = days_text.lower()
    if lowered in KEYWORDS:
        return When(text, lowered, time)
    if match_day := _DAY.match(days_text):
        day = int(match_day.group(1))
        if day < 1:
            raise WhenError(
                f"'day {day}' in '{text}': campaign days start at 1",
                "day 1 is the group's start date",
            )
        _campaign_fits(text, day)
        return When(text, "campaign", time, first_day=day, last_day=day)
    if match_days := _DAYS.match(days_text):
        first, last = int(match_days.group(1)), int(match_days.group(2))
        if first < 1:
            raise WhenError(
                f"'days {first}-{last}' in '{text}': campaign days start at 1",
                "day 1 is the group's start date",
            )
        if last < first:
            raise WhenError(
                f"'days {first}-{last}' in '{text}' runs backwards",
                f"write the earlier day first: 'days {last}-{first}'",
            )
        _campaign_fits(text, last)
        return When(text, "campaign", time, first_day=first, last_day=last)
    if _DATE.match(days_text):
        try:
            date = dt.date.fromisoformat(days_text)
        except ValueError:
            raise WhenError(
                f"'{days_text}' in '{text}' is not a real date", "write a date as YYYY-MM-DD"
            ) from None
        return When(text, "date", time, date=date)
    if like := _DATE_LIKE.match(days_text):
        year, month, day = (int(x) for x in like.groups())
        raise WhenError(
            f"'{days_text}' in '{text}' is not written YYYY-MM-DD",
            f"write '{year:04d}-{month:02d}-{day:02d} {time:%H:%M}'",
        )
    if lowered.startswith(("day ", "days ")) or lowered in ("day", "days"):
        raise WhenError(
            f"'{days_text}' in '{text}' is not a campaign day",
            "write 'day N' or 'days N-M' with N >= 1",
        )
    if monthly := _MONTHLY.match(days_text):
        return _parse_monthly(text, monthly.group("days") or "", time)
    if every := _EVERY.match(days_text):
        return _parse_every(text, every, time)
    if (ordinal := _ORDINAL.match(days_text)) or (ordinal := _ORDINAL_ZH.match(days_text)):
        return _parse_ordinal(text, ordinal, time)
    items = _LIST.split(lowered)
    if len(items) > 1 or items[0] in WEEKDAY_NAMES or _WEEKDAY_LIKE.match(items[0]):
        return When(text, "weekly", time, weekdays=_weekday_list(text, items))
    return _parse_named(text, days_text, time, names)


def _weekday_list(text: str, items: Iterable[str]) -> tuple[int, ...]:
    weekdays: set[int] = set()
    for name in items:
        if name not in WEEKDAY_NAMES:
            raise WhenError(f"'{name}' in '{text}' is not a weekday or a day pattern", _close(name))
        weekdays.add(WEEKDAY_NAMES[name])
    return tuple(sorted(weekdays))


def _close(word: str, more: Iterable[str] = ()) -> str:
    """A did-you-mean among weekdays, keywords and `more`, else the grammar."""
    hint = did_you_mean(word, [*WEEKDAY_NAMES, *KEYWORDS, "monthly", *more])
    return hint if hint.startswith("did you mean") else GRAMMAR


def _parse_monthly(text: str, days_text: str, time: dt.time) -> When:
    if not days_text.strip():
        raise WhenError(
            f"'{text}' does not say which days of the month",
            f"write the days after 'monthly', e.g. 'monthly 1,15 {time:%H:%M}'",
        )
    month_days: set[int] = set()
    for item in _LIST.split(days_text.strip()):
        if not re.fullmatch(r"[0-9]{1,9}", item):
            raise WhenError(
                f"'{item}' in '{text}' is not a day of the month",
                "write days of the month as numbers 1-31: 'monthly 1,15'",
            )
        day = int(item)
        if not 1 <= day <= 31:
            raise WhenError(
                f"'monthly {day}' in '{text}': a month has days 1 to 31",
                "use 1-31 (a day a month lacks, like 31 in April, is skipped)",
            )
        month_days.add(day)
    return When(text, "monthly", time, month_days=tuple(sorted(month_days)))


def _parse_every(text: str, match: re.Match[str], time: dt.time) -> When:
    count, unit, days_text = match.group("n"), match.group("unit"), match.group("days")
    example = f"'every 2 weeks sat {time:%H:%M}'"
    if count is None or not re.fullmatch(r"[0-9]{1,9}", count) or unit is None or not days_text:
        raise WhenError(f"'{text}' is not 'every N weeks WEEKDAY'", f"write it like {example}")
    weeks = int(count)
    if not 1 <= weeks <= 520:
        raise WhenError(
            f"'every {weeks} weeks' in '{text}' repeats every 1 to 520 weeks",
            f"write it like {example}",
        )
    weekdays = _weekday_list(text, _LIST.split(days_text.lower()))
    return When(text, "every", time, weekdays=weekdays, every=weeks)


def _parse_ordinal(text: str, match: re.Match[str], time: dt.time) -> When:
    groups = match.groupdict()
    if "ord" in groups:
        ordinal = ORDINALS.get(groups["ord"].lower())
    else:
        ordinal = -1 if groups.get("last") else _CHINESE_ORDINALS.get(groups["n"] or "")
    day = groups["day"].lower()
    if ordinal is None:
        raise WhenError(
            f"'{match.group(0)}' in '{text}': a month surely has 4 of each weekday",
            "use 1st 2nd 3rd 4th or last (第一个 第二个 第三个 第四个 最后一个)",
        )
    if day not in WEEKDAY_NAMES:
        raise WhenError(f"'{groups['day']}' in '{text}' is not a weekday", _close(day))
    return When(text, "ordinal", time, weekdays=(WEEKDAY_NAMES[day],), ordinal=ordinal)


def _parse_named(text: str, days_text: str, time: dt.time, names: Container[str] | None) -> When:
    for pattern, replacement in _DAY_WORDS:  # Chinese day words: no name, a pattern mistyped
        if pattern.match(days_text):
            raise WhenError(
                f"'{days_text}' in '{text}' is not a day pattern",
                f"write '{pattern.sub(replacement, days_text)} {time:%H:%M}'",
            )
    glued = _GLUED.match(days_text)
    if glued and name_key(glued.group("name")) in shipped_names():
        raise WhenError(
            f"'{days_text}' in '{text}' needs a space before its offset",
            f"write '{glued.group('name')} {glued.group('offsets')} {time:%H:%M}'",
        )
    match = _NAMED.match(days_text)
    assert match is not None  # '.+?' matches any non-empty text
    name = match.group("name").strip()
    first_text, last_text = match.group("first"), match.group("last")
    if match.group("sep") not in (None, "..", "..."):
        raise WhenError(
            f"'{match.group('sep')}' in '{text}' does not join two offsets",
            f"write the range with '..': '{name} {first_text}..{last_text} {time:%H:%M}'",
        )
    offsets = [_offset(text, name, value, time) for value in (first_text, last_text) if value]
    first, last = (offsets + offsets)[:2] if offsets else (0, 0)
    if last < first:
        raise WhenError(
            f"'{first_text}..{last_text}' in '{text}' runs backwards",
            f"write the earlier day first: '{name} {last_text}..{first_text}'",
        )
    if names is None:
        if name_key(name) not in shipped_names():
            raise WhenError(
                f"'{name}' in '{text}' is not a weekday or a day pattern, nor a named date",
                name_hint(name, shipped_display_names(), time),
            )
    elif not isinstance(names, _AnyName) and name_key(name) not in _keys(names):
        raise WhenError(
            f"'{name}' in '{text}' is not a weekday or a day pattern, nor a named date",
            name_hint(name, names if isinstance(names, Iterable) else (), time),
        )
    return When(text, "named", time, name=name, offsets=(first, last))


def _offset(text: str, name: str, value: str, time: dt.time) -> int:
    number = int(value)
    if value[0] not in "+-" and number != 0:
        raise WhenError(
            f"'{value}' in '{text}' has no sign: is it days before or after '{name}'?",
            f"write '{name} +{number} {time:%H:%M}' (after) or "
            f"'{name} -{number} {time:%H:%M}' (before)",
        )
    if abs(number) > MAX_OFFSET:
        raise WhenError(
            f"'{value}' in '{text}' is more than a year from '{name}'",
            f"use offsets from -{MAX_OFFSET} to +{MAX_OFFSET} days",
        )
    return number


def _keys(names: Container[str]) -> Container[str]:
    """Names compared as `name_key` gives them (a bare Container is taken as keys already)."""
    if isinstance(names, Iterable):
        return {name_key(str(n)) for n in names}
    return names


def name_hint(
    name: str, names: Iterable[str], time: dt.time | None = None, weekdays: bool = True
) -> str:
    """What to write instead of an unknown name: the close one (weekdays and keywords too), the
    glued offset pulled apart ('春节-3' -> '春节 -3'), or where names come from."""
    names = [str(n) for n in names]
    glued = _GLUED.match(name)
    if glued and name_key(glued.group("name")) in {name_key(n) for n in names}:
        suffix = f" {time:%H:%M}" if time else ""
        return f"write '{glued.group('name')} {glued.group('offsets')}{suffix}'"
    # Chinese names are short: two characters with one in common (中球, 中秋) are close.
    cutoff = 0.5 if len(name) <= 3 else 0.6
    words = [*WEEKDAY_NAMES, *KEYWORDS] if weekdays else []
    close = difflib.get_close_matches(name, [*names, *words], n=1, cutoff=cutoff)
    if close:
        return f"did you mean '{close[0]}'?"
    return (
        "a named date is a public holiday of the group's calendar, a lunar festival, a promo "
        "date, a name from content/calendars/*.yml or one of the group's events; " + GRAMMAR
    )


def slot_id(when: str, post: str) -> str:
    """The default slot id, stable across builds: derived from `when` and `post`."""
    return "slot-" + hashlib.sha1(f"{when}|{post}".encode()).hexdigest()[:8]


# ---------------------------------------------------------------------------- which days

NO_ALMANAC = Almanac()  # no `holidays:`: workdays are Monday to Friday, no holidays


def falls_on(when: When, date: dt.date, day: int, almanac: Almanac | None = None) -> bool:
    """Whether `when` has `date` (campaign day `day`); named dates ask the almanac."""
    almanac = almanac or NO_ALMANAC
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
    if when.days == "workdays":
        return almanac.is_workday(date)
    if when.days == "offdays":
        return not almanac.is_workday(date)
    if when.days == "holidays":
        return almanac.is_holiday(date)
    if when.days == "monthly":
        return date.day in when.month_days
    if when.days == "ordinal":
        return date.weekday() in when.weekdays and _nth_in_month(date, when.ordinal)
    if when.days == "every":
        week = (day - 1 + (date.weekday() - (day - 1)) % 7) // 7
        return date.weekday() in when.weekdays and week % when.every == 0
    if when.days == "named":
        first, last = when.offsets
        return bool(
            almanac.dates_of(
                when.name, date - dt.timedelta(days=last), date - dt.timedelta(days=first)
            )
        )
    return when.date == date


def _nth_in_month(date: dt.date, ordinal: int) -> bool:
    if ordinal > 0:
        return (date.day - 1) // 7 + 1 == ordinal
    following = date + dt.timedelta(days=7)
    return following.month != date.month


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


@lru_cache(maxsize=4096)
def _span(start: dt.date, days: int) -> tuple[tuple[dt.date, ...], tuple[int, ...]]:
    """The dates of a span and their weekdays (groups share spans: made once each)."""
    dates = tuple(start + dt.timedelta(days=n) for n in range(days))
    return dates, tuple(d.weekday() for d in dates)


@lru_cache(maxsize=4096)
def _phases(phases: tuple[Phase, ...], days: int) -> tuple[Phase | None, ...]:
    return tuple(phase_of(phases, day) for day in range(1, days + 1))


# ---------------------------------------------------------------------------- expansion


@dataclass(frozen=True)
class Expansion:
    """A group's occurrences over its span, and what the expansion found to say about them."""

    occurrences: list[Occurrence]
    diagnostics: tuple[Diagnostic, ...] = ()
    unknown_years: tuple[int, ...] = ()  # years of the span without a known official schedule


def expand(
    playbook: Playbook, group: Group, slots: tuple[Slot, ...] | None = None, **calendar: Any
) -> list[Occurrence]:
    """Every occurrence of the group's slots from its start to its end, sorted by time then slot
    order (the keyword arguments are `expand_group`'s)."""
    return expand_group(playbook, group, slots, **calendar).occurrences


def expand_group(
    playbook: Playbook,
    group: Group,
    slots: tuple[Slot, ...] | None = None,
    *,
    almanac: Almanac | None = None,
    events: Mapping[str, dt.date | dt.datetime] | None = None,
    changes: Sequence[SopChange] = (),
    skip_on_holiday: Collection[str] = (),
    known_events: Collection[str] = (),
) -> Expansion:
    """The one expansion behind validation, calendars, plans and posters.

    `almanac`: the group's holiday calendar (`almanac_for(country, calendars)`); `events`: the
    group's `events`; `changes`: its `sop_change` entries; `skip_on_holiday`: ids of slots with
    `on_holiday: skip`; `known_events`: every event name any group of the project defines (so a
    slot naming one this group lacks is "an event missing from the group", not an unknown name).
    A `sop_change` that is not a skip brings back an occurrence `on_holiday: skip` left out.
    """
    almanac = almanac or NO_ALMANAC
    slots = group_slots(playbook, group) if slots is None else slots
    days = group.days
    if days <= 0:
        return Expansion([])
    zone = ZoneInfo(group.timezone)
    dates, weekdays = _span(group.start, days)
    calendar_days = almanac.span(group.start, group.end, group.lang)
    phases = _phases(tuple(playbook.phases), days)
    diagnostics: list[Diagnostic] = []
    wanted = _index_changes(changes, diagnostics)
    matched: set[tuple[str, dt.date]] = set()
    event_days = {
        name_key(k): (v.date() if isinstance(v, dt.datetime) else v)
        for k, v in (events or {}).items()
        if isinstance(v, dt.date)
    }
    skipping = set(skip_on_holiday)
    occurrences: list[Occurrence] = []
    last = days - 1
    for slot in slots:
        when = slot.when
        offsets: dict[int, int] = {}
        if when.days == "named":
            offsets = _named_indexes(
                when, slot, group, almanac, event_days, known_events, diagnostics
            )
            indexes: Iterable[int] = offsets  # in date order
        else:
            indexes = _indexes(when, dates, weekdays, calendar_days, group.start)
        skip_holidays = slot.id in skipping
        count = 0
        for index in indexes:
            date = dates[index]
            change = wanted.get((slot.id, date)) if wanted else None
            if change is not None:
                matched.add((slot.id, date))
                if change.skip:
                    continue
            elif skip_holidays and calendar_days[index][1]:
                continue
            time = change.time if change is not None and change.time is not None else when.time
            count += 1
            occurrences.append(
                Occurrence(
                    slot,
                    date,
                    index + 1,
                    local_start(date, time, zone),
                    phases[index],
                    count,
                    last - index,
                    calendar_days[index][1],
                    change,
                    offsets.get(index, 0) if offsets else 0,
                )
            )
    occurrences.sort(key=_order)
    for key, change in wanted.items():
        if key not in matched:
            diagnostics.append(_unmatched(change, slots, group, almanac, event_days))
    unknown = almanac.unknown_years(group.start, group.end)
    # Said only where it changes a post: a slot on workdays, days off or holidays, or one left out
    # on holidays (a group posting daily gets the same posts whatever the 2027 notice says).
    if unknown and any(s.when.days in OFFICIAL_DAYS or s.id in skipping for s in slots):
        diagnostics.append(_unknown_years_warning(group, almanac, unknown))
    if almanac.country and any(s.when.days in ("weekdays", "workdays") for s in slots):
        differences = almanac.differences(group.start, group.end)
        if differences:
            diagnostics.append(_differences_note(group, slots, almanac, differences))
    return Expansion(occurrences, tuple(diagnostics), unknown)


OFFICIAL_DAYS = ("workdays", "offdays", "holidays")  # what the official schedule decides


def almanac_of(project: Project, group: Group) -> Almanac:
    """The group's holiday calendar with the project's content/calendars (shared per country)."""
    return almanac_for(group.holidays, project.calendars)


def group_expansion(project: Project, group: Group, cache: Cache | None = None) -> Expansion:
    """A group's occurrences, the one expansion that validation and every output use: its slots
    (the playbook's less `sop_skip`, plus `sop_add`) over its span, with its holiday calendar,
    its `events`, its `sop_change` and each slot's `on_holiday`.

    With `cache` (a session's), a group is expanded once per version of what shapes it: the
    checks at load and the outputs of the build share one expansion.
    """
    calendars = project.calendars
    key: tuple | None = None
    if cache is not None and group.fingerprint:
        key = (
            "expansion",
            project.site.fingerprint,
            project.playbook_of(group).fingerprint,
            group.fingerprint,
            calendars.fingerprint,
            project.event_names,
        )
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
    playbook = project.playbook_of(group)
    slots = group_slots(playbook, group)
    found = expand_group(
        playbook,
        group,
        slots,
        almanac=almanac_of(project, group),
        events=group.events,
        changes=group.sop_change,
        skip_on_holiday={s.id for s in slots if s.on_holiday == "skip"},
        known_events=project.event_names,
    )
    if key is not None and cache is not None:
        cache.put(key, found)
    return found


def _order(occurrence: Occurrence) -> tuple[dt.datetime, int]:
    return occurrence.start, occurrence.slot.order


def _indexes(
    when: When,
    dates: tuple[dt.date, ...],
    weekdays: tuple[int, ...],
    calendar_days: tuple[tuple[bool, str], ...],
    start: dt.date,
) -> Iterable[int]:
    """The span's day indexes (0 = the start) on which a non-named `when` falls."""
    kind, span = when.days, range(len(dates))
    if kind == "daily":
        return span
    if kind == "weekdays":
        return [i for i in span if weekdays[i] < 5]
    if kind == "weekends":
        return [i for i in span if weekdays[i] >= 5]
    if kind == "weekly":
        return [i for i in span if weekdays[i] in when.weekdays]
    if kind == "campaign":
        return range(when.first_day - 1, min(when.last_day, len(dates)))
    if kind == "date":
        index = (when.date - start).days if when.date else -1
        return [index] if 0 <= index < len(dates) else []
    if kind == "workdays":
        return [i for i in span if calendar_days[i][0]]
    if kind == "offdays":
        return [i for i in span if not calendar_days[i][0]]
    if kind == "holidays":
        return [i for i in span if calendar_days[i][1]]
    if kind == "monthly":
        return [i for i in span if dates[i].day in when.month_days]
    if kind == "ordinal":
        return [
            i
            for i in span
            if weekdays[i] in when.weekdays and _nth_in_month(dates[i], when.ordinal)
        ]
    if kind == "every":
        first = weekdays[0]  # week 0 is the start's Monday-to-Sunday week
        return [
            i for i in span if weekdays[i] in when.weekdays and ((i + first) // 7) % when.every == 0
        ]
    return []


def _named_indexes(
    when: When,
    slot: Slot,
    group: Group,
    almanac: Almanac,
    event_days: Mapping[str, dt.date],
    known_events: Collection[str],
    diagnostics: list[Diagnostic],
) -> dict[int, int]:
    """The span's day indexes a named date gives, in order, each with its offset from the
    nearest day of that name (-3 for '春节 -3')."""
    first, last = when.offsets
    low = group.start - dt.timedelta(days=last)
    high = group.end - dt.timedelta(days=first)
    key = name_key(when.name)
    if key in event_days:
        bases: Iterable[dt.date] = (event_days[key],)
    elif almanac.knows(when.name, low, high):
        bases = almanac.dates_of(when.name, low, high)
    else:
        diagnostics.append(_unknown_name(when, slot, group, almanac, event_days, known_events))
        return {}
    found: dict[int, int] = {}
    days = group.days
    for base in bases:
        offset = (base - group.start).days
        for index in range(max(offset + first, 0), min(offset + last + 1, days)):
            shift = index - offset
            if index not in found or abs(shift) < abs(found[index]):
                found[index] = shift
    return dict(sorted(found.items()))


def visible_names(
    almanac: Almanac, start: dt.date, end: dt.date, events: Mapping[str, object] | None = None
) -> dict[str, str]:
    """Every name a group can use in `when` over its span: name -> what it is (event,
    calendar, holiday, festival, promo), its events first. For listings and did-you-mean."""
    found = {str(name): "event" for name in (events or {})}
    for name, kind in almanac.names(start, end).items():
        found.setdefault(name, kind)
    return found


def _unknown_name(
    when: When,
    slot: Slot,
    group: Group,
    almanac: Almanac,
    event_days: Mapping[str, dt.date],
    known_events: Collection[str],
) -> Diagnostic:
    if name_key(when.name) in {name_key(e) for e in known_events}:
        where = f" ({slot.path}:{slot.line_of('when')})" if slot.path != group.path else ""
        line = group.line_of("events") if "events" in group.key_lines else group.line_of("name")
        return Diagnostic(
            group.path,
            line,
            0,
            ERROR,
            f"slot '{slot.id}'{where} counts from event '{when.name}', which this "
            "group's 'events' do not give",
            f"add 'events: {{{when.name}: YYYY-MM-DD}}', or add '{slot.id}' to sop_skip",
        )
    names = visible_names(almanac, group.start, group.end, event_days)
    hint = name_hint(when.name, names, when.time, weekdays=when.offsets == (0, 0))
    give = (
        f"give it: 'events: {{{when.name}: YYYY-MM-DD}}' in the group, or 'names:' in "
        f"content/calendars/*.yml; or add '{slot.id}' to the group's sop_skip"
    )
    if hint.startswith("did you mean"):
        hint = f"{hint} Else {give}"
    elif not hint.startswith("write"):
        hint = give
    # A playbook's slot is the same mistake in every group: one message, said once.
    who = f"group '{group.slug}'" if slot.path == group.path else "its groups"
    return Diagnostic(
        slot.path,
        slot.line_of("when"),
        0,
        ERROR,
        f"'{when.name}' in '{when.text}' is not a weekday or a day pattern, nor a "
        f"named date {who} can see",
        hint,
    )


def _index_changes(
    changes: Sequence[SopChange], diagnostics: list[Diagnostic]
) -> dict[tuple[str, dt.date], SopChange]:
    wanted: dict[tuple[str, dt.date], SopChange] = {}
    for change in changes:
        key = (change.slot, change.date)
        if key in wanted:
            diagnostics.append(
                Diagnostic(
                    change.path,
                    change.line,
                    0,
                    ERROR,
                    f"a second sop_change for slot '{change.slot}' on "
                    f"{change.date} (the first is at line "
                    f"{wanted[key].line})",
                    "give one change per occurrence, with all its keys",
                )
            )
        else:
            wanted[key] = change
    return wanted


def _unmatched(
    change: SopChange,
    slots: tuple[Slot, ...],
    group: Group,
    almanac: Almanac,
    event_days: Mapping[str, dt.date],
) -> Diagnostic:
    slot = next((s for s in slots if s.id == change.slot), None)
    if slot is None:
        return Diagnostic(
            change.path,
            change.line,
            0,
            ERROR,
            f"sop_change names slot '{change.slot}', which this group does not have",
            did_you_mean(change.slot, [s.id for s in slots]),
        )
    if not group.start <= change.date <= group.end:
        return Diagnostic(
            change.path,
            change.line,
            0,
            ERROR,
            f"sop_change for slot '{slot.id}' on {change.date}: the date is outside "
            f"the group's span ({group.start} to {group.end})",
            "use a date of an occurrence of the slot",
        )
    dates, _ = _span(group.start, group.days)
    runs = [d for d in dates if _runs(slot.when, d, group, almanac, event_days)]
    near = sorted(runs, key=lambda d: (abs((d - change.date).days), d))[:3]
    return Diagnostic(
        change.path,
        change.line,
        0,
        ERROR,
        f"sop_change for slot '{slot.id}' on {change.date} matches no occurrence: "
        f"'{slot.when.text}' does not fall on that date",
        f"the nearest occurrences are on {', '.join(map(str, sorted(near)))}"
        if near
        else f"slot '{slot.id}' has no occurrence in this group's span",
    )


def _runs(
    when: When, date: dt.date, group: Group, almanac: Almanac, event_days: Mapping[str, dt.date]
) -> bool:
    if when.days == "named" and name_key(when.name) in event_days:
        base = event_days[name_key(when.name)]
        return when.offsets[0] <= (date - base).days <= when.offsets[1]
    return falls_on(when, date, group.day_number(date), almanac)


def _span_line(group: Group) -> int:
    key = next((k for k in ("holidays", "days", "end") if k in group.key_lines), "start")
    return group.line_of(key)


def _unknown_years_warning(group: Group, almanac: Almanac, years: tuple[int, ...]) -> Diagnostic:
    named = ", ".join(map(str, years))
    fixed = "; the holidays are only the fixed-date ones" if almanac.country == "CN" else ""
    return Diagnostic(
        group.path,
        _span_line(group),
        0,
        WARNING,
        f"the {almanac.country} official holiday schedule for {named} is not known: "
        f"there, workdays are Monday to Friday{fixed}",
        f"once it is published, give it in content/calendars/*.yml: years: "
        f"[{{country: {almanac.country}, year: {years[0]}, holidays: {{...}}, "
        "workdays: [...]}]",
    )


@lru_cache(maxsize=1024)  # groups with one span share one note
def describe_differences(differences: tuple[Difference, ...], lang: str) -> str:
    """Runs of days, each with its mark: '2026-09-20 国庆前（班）, 2026-10-01..2026-10-02
    国庆（休）'."""
    runs: list[list[Difference]] = []
    for difference in differences:
        if (
            runs
            and (difference.date - runs[-1][-1].date).days == 1
            and difference.workday == runs[-1][-1].workday
            and not difference.workday
            and difference.holiday == runs[-1][-1].holiday
        ):
            runs[-1].append(difference)
        else:
            runs.append([difference])
    parts = []
    for run in runs:
        name = run[0].holiday.in_lang(lang)
        if run[0].workday:
            after = run[0].after
            mark = {
                "zh": f"{name}{'后' if after else '前'}（班）",
                "es": f"laborable {'después de' if after else 'antes de'} {name}",
            }.get(lang, f"workday {'after' if after else 'before'} {name}")
        else:
            mark = {"zh": f"{name}（休）", "es": f"{name} (festivo)"}.get(lang, f"{name} (off)")
        days = str(run[0].date) if len(run) == 1 else f"{run[0].date}..{run[-1].date}"
        parts.append(f"{days} {mark}")
    return ", ".join(parts)


def _differences_note(
    group: Group, slots: tuple[Slot, ...], almanac: Almanac, differences: Sequence[Difference]
) -> Diagnostic:
    uses = sorted({s.when.days for s in slots if s.when.days in ("weekdays", "workdays")})
    if uses == ["weekdays"]:
        hint = "'weekdays' is Monday to Friday; write 'workdays' for the official working days"
    elif uses == ["workdays"]:
        hint = "'workdays' follows the official calendar; write 'weekdays' for Monday to Friday"
    else:
        hint = "'weekdays' is Monday to Friday, 'workdays' the official working days"
    return Diagnostic(
        group.path,
        _span_line(group),
        0,
        NOTE,
        f"weekdays and workdays ({almanac.country}) differ on "
        f"{describe_differences(differences, group.lang)}",
        hint,
    )


def day_marks(almanac: Almanac, start: dt.date, end: dt.date, lang: str) -> dict[dt.date, str]:
    """The marks for day headers over a span (元旦（休）, 春节后（班）): dates that have one."""
    marks = {}
    date = start
    while date <= end:
        mark = almanac.mark(date, lang)
        if mark:
            marks[date] = mark
        date += dt.timedelta(days=1)
    return marks


def occurrence_values(occurrence: Occurrence, weekday_labels: Sequence[str]) -> dict[str, Any]:
    """What templates see as `occurrence` (the contract's names), weekdays in the theme's labels."""
    return {
        "date": occurrence.date.isoformat(),
        "time": f"{occurrence.time:%H:%M}",
        "weekday": weekday_labels[occurrence.date.weekday()],
        "day": occurrence.day,
        "phase": occurrence.phase.name if occurrence.phase else "",
        "n": occurrence.n,
        "days_left": occurrence.days_left,
        "holiday": occurrence.holiday,
        "offset": occurrence.offset,
    }


def is_shifted(occurrence: Occurrence) -> bool:
    """True when the written time does not exist that day (a daylight-saving gap)."""
    return occurrence.start.time().replace(tzinfo=None) != occurrence.time


def is_ambiguous(occurrence: Occurrence) -> bool:
    """True when the written time happens twice that day (a fall-back overlap): it means the
    first."""
    return occurrence.start.replace(fold=1).utcoffset() != occurrence.start.utcoffset()


# ---------------------------------------------------------------------------- hints

_CLOCK_WORDS = re.compile(
    r"^(?P<part>上午|早上|早晨|中午|下午|晚上|傍晚)?(?P<h>\d{1,2})"
    r"(?:点|點|时|時)(?:(?P<half>半)|(?P<m>\d{1,2})分?)?$"
)
_AM_PM = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)$", re.I)
_DOTTED = re.compile(r"^(?P<h>\d{1,2})(?:[.h](?P<m>\d{2})|h)$", re.I)
_DAY_WORDS = [
    (re.compile(r"^(每天|每日|天天)$"), "daily"),
    (re.compile(r"^(工作日|上班日)$"), "workdays"),
    (re.compile(r"^(周末|双休日)$"), "weekends"),
    (re.compile(r"^(节假日|法定节假日)$"), "holidays"),
    (re.compile(r"^(休息日)$"), "offdays"),
    (re.compile(r"^每(周.|星期.)$"), r"\1"),
    (re.compile(r"^每月(\d{1,2})[号日]$"), r"monthly \1"),
]


def _clock(token: str) -> str | None:
    for pattern in (_CLOCK_WORDS, _AM_PM, _DOTTED):
        if match := pattern.match(token):
            hour, minute = (
                int(match.group("h")),
                30 if match.groupdict().get("half") else int(match.groupdict().get("m") or 0),
            )
            part = (match.groupdict().get("part") or match.groupdict().get("ampm") or "").lower()
            if part in ("下午", "晚上", "傍晚", "pm", "p.m.") and hour < 12:
                hour += 12
            if part in ("am", "a.m.") and hour == 12:
                hour = 0
            if hour <= 23 and minute <= 59:
                return f"{hour:02d}:{minute:02d}"
    return None


def _parses(text: str, names: Container[str] | None = ANY_NAME) -> bool:
    try:
        _parse(text, names, hints=False)
    except WhenError:
        return False
    return True


def _suggest(read: str) -> str:
    """'write ...' with the exact text to type, when a mistyped `when` can be repaired."""
    text = read.strip()
    glued = re.match(r"^(?P<days>.*?[^\d\s:：])(?P<time>\d{1,2}:\d{2})$", text)
    if glued:
        text = f"{glued.group('days')} {glued.group('time')}"
    elif " " not in text:  # '每天20点': the days and a clock word typed as one
        for cut in range(1, len(text)):
            clock = _clock(text[cut:])
            days_text = text[:cut]
            for pattern, replacement in _DAY_WORDS:
                days_text = pattern.sub(replacement, days_text)
            if clock and _parses(f"{days_text} {clock}", None):
                return f"write '{days_text} {clock}'"
    days_text, _, time_text = text.rpartition(" ")
    if not days_text:
        return ""
    time_text = _clock(time_text) or time_text
    for pattern, replacement in _DAY_WORDS:
        days_text = pattern.sub(replacement, days_text)
    candidate = f"{days_text} {time_text}"
    if candidate == read or not _parses(candidate):
        return ""
    return f"write '{candidate}'"
