"""Working days, days off and public holidays per country and year, and the named dates of `when`.

China's official schedule (days off and 调休 make-up workdays) comes from chinese-calendar,
other countries' public holidays from holidays (workdays are Monday to Friday less those),
lunar festivals from lunar-python, promo dates from playpress/data/promo.yml; the project's
content/calendars/*.yml years and names (read by load/calendars.py) override or fill all of them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import yaml

from .model import Calendars

LANGS = ("zh", "en", "es")
_LUNAR_YEARS = range(1901, 2100)  # where lunar-python and the solar-term formula are checked
_LIB_LANGUAGE = {"zh": ("zh_CN", "zh_TW"), "en": ("en_US", "en_GB"), "es": ("es",)}
_ONE_DAY = dt.timedelta(days=1)
_SAFE = (dt.date(2, 1, 1), dt.date(9998, 12, 31))  # windows are clamped here: no date overflow


@dataclass(frozen=True)
class HolidayName:
    """A holiday's name in each language of the built-in labels."""

    zh: str
    en: str
    es: str

    def in_lang(self, lang: str) -> str:
        return getattr(self, lang, "") or self.en or self.zh

    @classmethod
    def same(cls, name: str) -> HolidayName:
        return cls(name, name, name)


@dataclass(frozen=True)
class Difference:
    """A date where `weekdays` (Monday to Friday) and `workdays` (the official ones) differ."""

    date: dt.date
    workday: bool  # True: a make-up workday on a weekend; False: a weekday off
    holiday: HolidayName
    after: bool = False  # a make-up workday after its holiday (春节后（班）), not before it


@dataclass(frozen=True)
class CalendarProblem:
    """A mistake in content/calendars/*.yml; `key` is where, e.g. 'years[0].holidays.春节[1]'."""

    path: str
    key: str
    message: str
    hint: str = ""


@dataclass
class _Year:
    """One year as the almanac sees it."""

    known: bool
    source: str
    holidays: dict[dt.date, HolidayName]  # every day off of a holiday block
    makeup: dict[dt.date, tuple[HolidayName, bool]]  # make-up workday -> (holiday, after it?)
    flipped: frozenset[dt.date]  # dates whose workday-ness is not that of Monday to Friday


# ---------------------------------------------------------------------------- shipped data


@cache
def shipped(name: str) -> dict[str, dict[str, Any]]:
    """A data file of playpress/data (festivals, promo, cn), as YAML gives it."""
    text = (files("playpress") / "data" / f"{name}.yml").read_text(encoding="utf-8")
    return {str(key): value for key, value in (yaml.safe_load(text) or {}).items()}


def name_key(name: str) -> str:
    """How names are compared: full-width folded, accents, case and apostrophes ignored."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`´]", "", text).casefold()
    return " ".join(text.split())


def month_day(text: object) -> tuple[int, int]:
    month, day = (int(part) for part in str(text).split("-"))
    dt.date(2000, month, day)  # a real month-day (2000 has a 29 February)
    return month, day


def _on(year: int, day_of_year: tuple[int, int]) -> dt.date | None:
    try:
        return dt.date(year, *day_of_year)
    except ValueError:  # 29 February of a common year
        return None


@cache
def _cn_official() -> tuple[dict[int, dict[dt.date, str]], dict[int, dict[dt.date, str]], str]:
    """chinese-calendar's days off and make-up workdays by year, and its version."""
    import chinese_calendar

    days_off: dict[int, dict[dt.date, str]] = {}
    workdays: dict[int, dict[dt.date, str]] = {}
    for date, name in chinese_calendar.holidays.items():
        days_off.setdefault(date.year, {})[date] = name
    for date, name in chinese_calendar.workdays.items():
        workdays.setdefault(date.year, {})[date] = name
    return days_off, workdays, f"chinese-calendar {chinese_calendar.__version__}"


@cache
def _cn_names() -> tuple[dict[str, HolidayName], dict[str, str]]:
    """China's holiday names by key (元旦 ...), and chinese-calendar's English name -> key."""
    by_key: dict[str, HolidayName] = {}
    by_calendar: dict[str, str] = {}
    for key, spec in shipped("cn").items():
        by_key[key] = HolidayName(key, spec.get("en", key), spec.get("es", spec.get("en", key)))
        by_calendar[spec["calendar"]] = key
    return by_key, by_calendar


def _cn_holiday_name(calendar_name: str) -> HolidayName:
    by_key, by_calendar = _cn_names()
    if calendar_name in by_calendar:
        return by_key[by_calendar[calendar_name]]
    import chinese_calendar  # a one-off holiday (the 2015 anniversary day): the package's names

    for holiday in chinese_calendar.Holiday:
        if holiday.value == calendar_name:
            return HolidayName(holiday.chinese, calendar_name, calendar_name)
    return HolidayName.same(calendar_name)


def country_problem(country: str) -> str:
    """Why `holidays: COUNTRY` cannot be used ('' when it can): CN, or a code of holidays."""
    code, _, subdiv = str(country).strip().upper().partition("-")
    if (code == "CN" and not subdiv) or not str(country).strip():  # '': no holiday calendar
        return ""
    import holidays

    supported = holidays.list_supported_countries()
    if code not in supported:
        return f"'{country}' is not a country code the holidays package knows"
    if subdiv and subdiv not in supported[code]:
        return f"'{country}': {code} has no subdivision '{subdiv}'"
    return ""


@lru_cache(maxsize=256)
def _lib_facts(country: str) -> tuple[range, tuple[str, ...], str]:
    """A holidays-package country's years, languages and default language."""
    import holidays

    code, _, subdiv = country.partition("-")
    try:
        entity = holidays.country_holidays(code, subdiv=subdiv or None)
    except NotImplementedError:  # not a country (country_problem says so): no year is known
        return range(0), (), ""
    years = range(int(getattr(entity, "start_year", 1)), int(getattr(entity, "end_year", 9999)) + 1)
    return years, tuple(entity.supported_languages), str(entity.default_language)


def _lib_calendar(country: str, year: int, lang: str, observed: bool) -> dict[dt.date, str]:
    """One year of a country's public holidays from the holidays package, in one language."""
    import holidays

    code, _, subdiv = country.partition("-")
    _, languages, default = _lib_facts(country)
    wanted = [x for x in _LIB_LANGUAGE.get(lang, ()) if x in languages]
    # Always a language: without one, gettext reads the machine's locale (same inputs, same bytes).
    language = wanted[0] if wanted else default
    try:
        found = holidays.country_holidays(
            code, subdiv=subdiv or None, years=year, language=language, observed=observed
        )
    except (NotImplementedError, ValueError, KeyError):
        return {}
    return {date: str(name) for date, name in found.items()}


def _lib_years(country: str) -> range:
    return _lib_facts(country)[0]


# ---------------------------------------------------------------------------- lunar calendar


@lru_cache(maxsize=4096)
def lunar_day(year: int, month: int, day: int) -> dt.date | None:
    """The Gregorian date of a day of the Chinese lunar calendar (None outside 1901-2099)."""
    if year not in _LUNAR_YEARS:
        return None
    from lunar_python import Lunar  # astronomical, with the Purple Mountain Observatory's tables

    try:
        solar = Lunar.fromYmd(year, month, day).getSolar()
    except Exception:  # a day the lunar month lacks (a 30th of a short month): no such day
        return None
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=4096)
def solar_term(year: int, term: str) -> dt.date | None:
    """The day of a solar term (节气) in a Gregorian year, e.g. 清明 (None outside 1901-2099)."""
    if year not in _LUNAR_YEARS:
        return None
    import chinese_calendar

    for date, name in chinese_calendar.get_solar_terms(dt.date(year, 1, 1), dt.date(year, 12, 31)):
        if getattr(name, "value", name) == term:
            return date
    return None


# ---------------------------------------------------------------------------- named dates


@dataclass(frozen=True)
class _Spec:
    """How a named date falls each year: exactly one of the ways is set."""

    name: HolidayName
    kind: str  # calendar | holiday | festival | promo
    dates: tuple[dt.date, ...] = ()  # given dates
    yearly: tuple[tuple[int, int], ...] = ()  # Gregorian month-days, every year
    lunar: tuple[int, int] | None = None
    term: str = ""
    base: str = ""  # relative to this name (a key) ...
    offset: int = 0  # ... by this many days
    library: str = ""  # a name of the holidays package for the almanac's country


def _shipped_specs(data: str, kind: str) -> dict[str, _Spec]:
    specs: dict[str, _Spec] = {}
    for key, entry in shipped(data).items():
        name = HolidayName(key, entry.get("en", key), entry.get("es", entry.get("en", key)))
        day = entry.get("day", entry)
        if "festival" in day:  # the festival's day under the holiday's own name
            spec = replace(_festivals()[name_key(day["festival"])], name=name, kind=kind)
        elif "from" in day:
            spec = _Spec(name, kind, base=name_key(day["from"]), offset=int(day.get("offset", 0)))
        elif "lunar" in day:
            spec = _Spec(name, kind, lunar=month_day(day["lunar"]))
        elif "term" in day:
            spec = _Spec(name, kind, term=str(day["term"]))
        else:
            spec = _Spec(name, kind, yearly=(month_day(day["date"]),))
        for alias in (key, name.en, name.es, *entry.get("aliases", ())):
            specs.setdefault(name_key(alias), spec)
    return specs


@cache
def _festivals() -> dict[str, _Spec]:
    return _shipped_specs("festivals", "festival")


@cache
def _promos() -> dict[str, _Spec]:
    return _shipped_specs("promo", "promo")


@cache
def _cn_specs() -> dict[str, _Spec]:
    return _shipped_specs("cn", "holiday")


def shipped_names() -> frozenset[str]:
    """Every shipped name any group may use, whatever its country: China's holidays, lunar
    festivals and promo dates (compared as `name_key` gives them)."""
    return frozenset(_cn_specs()) | frozenset(_festivals()) | frozenset(_promos())


@cache
def shipped_display_names() -> tuple[str, ...]:
    """The shipped names as written (with their spellings), for did-you-mean hints."""
    found: list[str] = []
    for data in ("cn", "festivals", "promo"):
        for key, entry in shipped(data).items():
            found += [key, entry.get("en", ""), *map(str, entry.get("aliases", ()))]
    return tuple(dict.fromkeys(n for n in found if n))


# ---------------------------------------------------------------------------- the almanac


class Almanac:
    """The calendar of one country (or of none) with a project's own years and names.

    Without a country, workdays are Monday to Friday and there are no holidays. Every answer
    is computed once per year and kept: an almanac is shared by all groups of its country.
    """

    def __init__(self, country: str = "", calendars: Calendars | None = None):
        self.country = str(country or "").strip().upper()
        self.calendars = calendars or Calendars()
        self._user_years = {
            y.year: y
            for y in self.calendars.years
            if y.country.strip().upper() == self.country and self.country
        }
        self._years: dict[int, _Year] = {}
        self._spans: dict[tuple[dt.date, dt.date, str], tuple[tuple[bool, str], ...]] = {}
        self._diffs: dict[tuple[dt.date, dt.date], tuple[Difference, ...]] = {}
        self._lib_names: dict[int, dict[str, tuple[HolidayName, tuple[dt.date, ...]]]] = {}
        self._dates: dict[tuple[str, int], tuple[dt.date, ...]] = {}
        self._own: dict[str, _Spec] = {}
        for named in self.calendars.names:
            spec = _Spec(
                HolidayName.same(named.name), "calendar", dates=named.dates, yearly=named.yearly
            )
            self._own[name_key(named.name)] = spec

    # -- days -----------------------------------------------------------------------------

    def year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._make_year(year)
        return table

    def is_workday(self, date: dt.date) -> bool:
        return (date.weekday() < 5) != (date in self.year(date.year).flipped)

    def is_holiday(self, date: dt.date) -> bool:
        return date in self.year(date.year).holidays

    def holiday(self, date: dt.date, lang: str = "zh") -> str:
        """The name of the public holiday `date` belongs to (a day off of its block), or ''."""
        name = self.year(date.year).holidays.get(date)
        return name.in_lang(lang) if name else ""

    def makeup(self, date: dt.date) -> tuple[HolidayName, bool] | None:
        """For a make-up workday: its holiday and whether it comes after it."""
        return self.year(date.year).makeup.get(date)

    def span(self, start: dt.date, end: dt.date, lang: str) -> tuple[tuple[bool, str], ...]:
        """(is a workday, holiday name) for each date from start to end: what expansion asks."""
        key = (start, end, lang)
        found = self._spans.get(key)
        if found is None:
            if len(self._spans) > 4096:  # bounded: a watch session sees many spans over time
                self._spans.clear()
            days = []
            date = start
            while date <= end:
                table = self.year(date.year)
                name = table.holidays.get(date)
                days.append(
                    (
                        (date.weekday() < 5) != (date in table.flipped),
                        name.in_lang(lang) if name else "",
                    )
                )
                date += _ONE_DAY
            found = self._spans[key] = tuple(days)
        return found

    def unknown_years(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """The years from start to end whose official schedule is not known (with a country)."""
        if not self.country:
            return ()
        return tuple(y for y in range(start.year, end.year + 1) if not self.year(y).known)

    def mark(self, date: dt.date, lang: str = "zh") -> str:
        """The day-header mark: 元旦（休）, 春节后（班）; Christmas Day (off); '' on other days."""
        table = self.year(date.year)
        if date in table.holidays:
            name = table.holidays[date].in_lang(lang)
            return {"zh": f"{name}（休）", "es": f"{name} (festivo)"}.get(lang, f"{name} (off)")
        if date in table.makeup:
            holiday, after = table.makeup[date]
            name = holiday.in_lang(lang)
            if lang == "zh":
                return f"{name}{'后' if after else '前'}（班）"
            if lang == "es":
                return f"laborable {'después de' if after else 'antes de'} {name}"
            return f"workday {'after' if after else 'before'} {name}"
        return ""

    def differences(self, start: dt.date, end: dt.date) -> tuple[Difference, ...]:
        """The dates where Monday to Friday and the official workdays differ, in order."""
        found = self._diffs.get((start, end))
        if found is None:
            if len(self._diffs) > 4096:
                self._diffs.clear()
            found = self._diffs[(start, end)] = self._differences(start, end)
        return found

    def _differences(self, start: dt.date, end: dt.date) -> tuple[Difference, ...]:
        found = []
        for year in range(start.year, end.year + 1):
            table = self.year(year)
            for date in sorted(table.flipped):
                if start <= date <= end:
                    if date in table.holidays:
                        found.append(Difference(date, False, table.holidays[date]))
                    else:
                        found.append(Difference(date, True, *table.makeup[date]))
        return tuple(found)

    def _make_year(self, year: int) -> _Year:
        if not self.country:
            return _Year(True, "", {}, {}, frozenset())
        table = self._given_year(year) if year in self._user_years else self._shipped_year(year)
        # A notice may reach into the next or last year (2023's 元旦 began on 2022-12-31).
        for other in (year - 1, year + 1):
            if other in self._user_years:
                days_off, makeup = self._user_days(other)
                spill_off = {d: h for d, h in days_off.items() if d.year == year}
                spill_work = {d: m for d, m in makeup.items() if d.year == year}
                if spill_off or spill_work:
                    for date in (*spill_off, *spill_work):
                        table.holidays.pop(date, None)
                        table.makeup.pop(date, None)
                    table.holidays.update(spill_off)
                    table.makeup.update(spill_work)
                    table.flipped = _flipped(table.holidays, table.makeup)
        return table

    def _user_days(
        self, year: int
    ) -> tuple[dict[dt.date, HolidayName], dict[dt.date, tuple[HolidayName, bool]]]:
        given = self._user_years[year]
        days_off: dict[dt.date, HolidayName] = {}
        for name, dates in given.holidays:
            holiday = self._holiday_name(name)
            for date in dates:
                days_off[date] = holiday
        return days_off, _makeup_days(days_off, {date: None for date in given.workdays})

    def _given_year(self, year: int) -> _Year:
        days_off, makeup = self._user_days(year)
        days_off = {d: h for d, h in days_off.items() if d.year == year}
        makeup = {d: m for d, m in makeup.items() if d.year == year}
        path = self._user_years[year].path or "content/calendars"
        return _Year(True, path, days_off, makeup, _flipped(days_off, makeup))

    def _shipped_year(self, year: int) -> _Year:
        if self.country == "CN":
            official_off, official_work, source = _cn_official()
            if min(official_off) <= year <= max(official_off):
                days_off = {d: _cn_holiday_name(n) for d, n in official_off.get(year, {}).items()}
                work = {d: _cn_holiday_name(n) for d, n in official_work.get(year, {}).items()}
                # the blocks of the next and last year too, for make-up days across new year
                near = {
                    d: _cn_holiday_name(n)
                    for y in (year - 1, year + 1)
                    for d, n in official_off.get(y, {}).items()
                }
                makeup = _makeup_days({**near, **days_off}, work)
                return _Year(True, source, days_off, makeup, _flipped(days_off, makeup))
            by_key = _cn_names()[0]
            fixed = {}
            for key, spec in shipped("cn").items():
                for fixed_day in spec.get("fixed", ()):
                    date = _on(year, month_day(fixed_day))
                    if date:
                        fixed[date] = by_key[key]
            # Not known: Monday to Friday are workdays (the contract), holidays the fixed ones.
            return _Year(False, "", fixed, {}, frozenset())
        if year not in _lib_years(self.country):
            return _Year(False, "", {}, {}, frozenset())
        by_lang = {lang: _lib_calendar(self.country, year, lang, observed=True) for lang in LANGS}
        days_off = {
            date: HolidayName(
                by_lang["zh"].get(date, name),
                by_lang["en"].get(date, name),
                by_lang["es"].get(date, name),
            )
            for date, name in by_lang["en"].items()
        }
        import holidays

        return _Year(True, f"holidays {holidays.__version__}", days_off, {}, _flipped(days_off, {}))

    def _holiday_name(self, name: str) -> HolidayName:
        if self.country == "CN":
            spec = _cn_specs().get(name_key(name))
            if spec is not None:
                return spec.name
        return HolidayName.same(name)

    # -- named dates ----------------------------------------------------------------------

    def names(self, start: dt.date, end: dt.date) -> dict[str, str]:
        """Every name a group of this almanac can use over the span: name -> what it is
        (calendar, holiday, festival, promo). Display names and spellings both."""
        found: dict[str, str] = {}
        for named in self.calendars.names:
            found.setdefault(named.name, "calendar")
        if self.country == "CN":
            for key, entry in shipped("cn").items():
                for alias in (
                    key,
                    entry.get("en", ""),
                    entry.get("es", ""),
                    *entry.get("aliases", ()),
                ):
                    if alias:
                        found.setdefault(str(alias), "holiday")
        elif self.country:
            for year in range(start.year - 1, end.year + 2):
                for display, _dates in self._library_names(year).values():
                    for alias in (display.zh, display.en, display.es):
                        found.setdefault(alias, "holiday")
        for data, kind in (("festivals", "festival"), ("promo", "promo")):
            for key, entry in shipped(data).items():
                for alias in (
                    key,
                    entry.get("en", ""),
                    entry.get("es", ""),
                    *entry.get("aliases", ()),
                ):
                    if alias:
                        found.setdefault(str(alias), kind)
        return found

    def knows(self, name: str, start: dt.date, end: dt.date) -> bool:
        return self._spec(name_key(name), start, end) is not None

    def dates_of(self, name: str, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
        """The days `name` gives from start to end, in order (none when unknown)."""
        spec = self._spec(name_key(name), start, end)
        if spec is None:
            return ()
        return tuple(sorted(set(self._dates_in(spec, max(start, _SAFE[0]), min(end, _SAFE[1]), 0))))

    def _spec(self, key: str, start: dt.date, end: dt.date) -> _Spec | None:
        if key in self._own:
            return self._own[key]
        if self.country == "CN" and key in _cn_specs():
            return _cn_specs()[key]
        if self.country and self.country != "CN":
            for year in range(max(start.year - 1, 1), min(end.year + 2, 9999)):
                if key in self._library_names(year):
                    display = self._library_names(year)[key][0]
                    return _Spec(display, "holiday", library=key)
        return _festivals().get(key) or _promos().get(key)

    def _dates_in(self, spec: _Spec, low: dt.date, high: dt.date, depth: int) -> Iterator[dt.date]:
        if low > high or depth > 8:  # `from` chains are short; a loop in edited data stops here
            return
        if spec.base:
            base = self._spec(spec.base, low, high)
            if base is not None:
                shift = dt.timedelta(days=spec.offset)
                for date in self._dates_in(base, low - shift, high - shift, depth + 1):
                    yield date + shift
            return
        yield from (d for d in spec.dates if low <= d <= high)
        for year in range(low.year - 1, high.year + 1):
            for date in self._dates_per_year(spec, year):
                if low <= date <= high:
                    yield date

    def _dates_per_year(self, spec: _Spec, year: int) -> tuple[dt.date, ...]:
        key = (spec.kind + ":" + spec.name.zh + ":" + spec.library, year)
        found = self._dates.get(key)
        if found is None:
            dates: list[dt.date] = []
            dates += [d for d in (_on(year, md) for md in spec.yearly) if d]
            if spec.lunar:
                dates += [d for d in (lunar_day(year, *spec.lunar),) if d]
            if spec.term:
                dates += [d for d in (solar_term(year, spec.term),) if d]
            if spec.library:
                entry = self._library_names(year).get(spec.library)
                dates += entry[1] if entry else ()
            found = self._dates[key] = tuple(dates)
        return found

    def _library_names(self, year: int) -> dict[str, tuple[HolidayName, tuple[dt.date, ...]]]:
        """A holidays-package country's holiday names in a year (the days themselves, not the
        observed ones), by every spelling: each language, and English without a final 'Day'."""
        found = self._lib_names.get(year)
        if found is not None:
            return found
        found = {}
        if year in _lib_years(self.country):
            by_lang = {
                lang: _lib_calendar(self.country, year, lang, observed=False) for lang in LANGS
            }
            for date in sorted(by_lang["en"]):
                parts = {
                    lang: by_lang[lang].get(date, by_lang["en"][date]).split("; ") for lang in LANGS
                }
                for index, english in enumerate(parts["en"]):
                    display = HolidayName(
                        *(parts[lang][min(index, len(parts[lang]) - 1)] for lang in LANGS)
                    )
                    spellings = {display.zh, display.en, display.es}
                    if english.endswith(" Day") and len(english) > 4:
                        spellings.add(english[:-4])
                    for spelling in spellings:
                        old = found.get(name_key(spelling))
                        if old is None:
                            found[name_key(spelling)] = (display, (date,))
                        elif old[0] == display:
                            found[name_key(spelling)] = (display, (*old[1], date))
        self._lib_names[year] = found
        return found


def _makeup_days(
    days_off: Mapping[dt.date, HolidayName],
    workdays: Mapping[dt.date, HolidayName | None],
) -> dict[dt.date, tuple[HolidayName, bool]]:
    """Which holiday each make-up workday serves (the given one, else the nearest day off),
    and whether it comes after that holiday's days off."""
    makeup: dict[dt.date, tuple[HolidayName, bool]] = {}
    for date, holiday in workdays.items():
        candidates = [d for d, h in days_off.items() if holiday is None or h == holiday]
        candidates = candidates or list(days_off)
        if not candidates:
            makeup[date] = (HolidayName("调休", "make-up", "recuperación"), False)
            continue
        nearest = min(candidates, key=lambda d: (abs((d - date).days), d))
        makeup[date] = (holiday or days_off[nearest], date > nearest)
    return makeup


def _flipped(
    days_off: Mapping[dt.date, HolidayName], makeup: Mapping[dt.date, object]
) -> frozenset[dt.date]:
    """The weekdays off and the weekend days worked."""
    return frozenset(
        {d for d in days_off if d.weekday() < 5} | {d for d in makeup if d.weekday() >= 5}
    )


@lru_cache(maxsize=64)
def almanac_for(country: str, calendars: Calendars | None = None) -> Almanac:
    """The shared almanac of a country and a project's calendars (one per build and country)."""
    return Almanac(country, calendars)
