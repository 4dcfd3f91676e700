"""content/calendars/*.yml: the project's named dates and official holiday years, merged.

`names:` gives dates a `when` can name ("店庆 -1 20:00"); `years:` gives a country's official
schedule for a year the shipped data does not know yet. Every problem names its file and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..almanac import country_problem, month_day, name_key
from ..diagnostics import Report
from ..model import Calendars, CalendarYear, NamedDate
from .reader import read_yaml_file

CALENDARS_DIR = "content/calendars"
_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")
DATES_HINT = "write dates as YYYY-MM-DD, a run of days as YYYY-MM-DD..YYYY-MM-DD"


@dataclass(frozen=True)
class CalendarProblem:
    """A mistake in content/calendars/*.yml; `key` is where, e.g. 'years[0].holidays.春节'."""

    path: str
    key: str
    message: str
    hint: str = ""
    line: int = 0


def calendar_files(root: Path) -> list[str]:
    """The calendars files of a project, sorted (hidden files left out)."""
    folder = root / CALENDARS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        f"{CALENDARS_DIR}/{p.name}"
        for p in folder.iterdir()
        if p.suffix in (".yml", ".yaml") and not p.name.startswith(".") and p.is_file()
    )


def load_calendars(root: Path, report: Report) -> Calendars:
    """Read every content/calendars/*.yml, report its problems with file:line, merge them."""
    read: list[tuple[str, object]] = []
    hasher = hashlib.blake2b(digest_size=16)
    paths = calendar_files(root)
    for path in paths:
        raw = (root / path).read_bytes()
        hasher.update(path.encode() + b"\0" + raw + b"\0")
        data, problems = read_yaml_file(path, raw)
        report.extend(problems)
        if not problems:
            read.append((path, data))
    calendars, problems = read_calendars(read)
    for problem in problems:
        report.error(problem.path, problem.line or 1, problem.message, problem.hint)
    return Calendars(calendars.names, calendars.years, tuple(paths), fingerprint=hasher.hexdigest())


def _line(container: object, key: object) -> int:
    """The line of a key or an item, when the YAML reader kept it (0 for plain data)."""
    line_of = getattr(container, "line_of", None)
    try:
        return int(line_of(key)) if line_of else 0
    except (TypeError, ValueError):
        return 0


def _own_line(value: object) -> int:
    return int(getattr(value, "line", 0) or 0)


def parse_dates(
    value: object, yearly: bool = False
) -> tuple[tuple[dt.date, ...], tuple[tuple[int, int], ...]]:
    """Dates as YAML gives them: a date, 'YYYY-MM-DD', 'YYYY-MM-DD..YYYY-MM-DD', a list of
    those, and (with `yearly`) 'MM-DD' for every year. Raises ValueError saying what is wrong."""
    items = value if isinstance(value, list | tuple) else [value]
    dates: list[dt.date] = []
    month_days: list[tuple[int, int]] = []
    for item in items:
        if isinstance(item, dt.datetime):
            dates.append(item.date())
        elif isinstance(item, dt.date):
            dates.append(item)
        elif isinstance(item, str) and (run := _RANGE.match(item)):
            first, last = (_iso(run.group(1)), _iso(run.group(2)))
            if last < first:
                raise ValueError(f"'{item}' runs backwards")
            if (last - first).days > 366:
                raise ValueError(f"'{item}' is longer than a year")
            dates += [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        elif isinstance(item, str) and yearly and (yearly_day := _MONTH_DAY.match(item)):
            try:
                month_days.append(month_day(f"{yearly_day.group(1)}-{yearly_day.group(2)}"))
            except ValueError:
                raise ValueError(f"'{item}' is not a day of the year") from None
        elif isinstance(item, str):
            dates.append(_iso(unicodedata.normalize("NFKC", item).strip()))
        else:
            raise ValueError(f"'{item}' is not a date")
    return tuple(sorted(set(dates))), tuple(sorted(set(month_days)))


def _iso(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date") from None


def read_calendars(
    files_data: Iterable[tuple[str, object]],
) -> tuple[Calendars, list[CalendarProblem]]:
    """content/calendars/*.yml as YAML gives them (path, data), merged into one Calendars.

    A name or a country-year given twice is a problem naming both files; the first one wins.
    """
    names: dict[str, NamedDate] = {}
    years: dict[tuple[str, int], CalendarYear] = {}
    problems: list[CalendarProblem] = []
    for path, data in sorted(files_data, key=lambda item: item[0]):
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(
                CalendarProblem(
                    path,
                    "",
                    "a calendars file is a mapping",
                    "write 'names:' and/or 'years:' at the top",
                    _own_line(data),
                )
            )
            continue
        for key in data:
            if key not in ("names", "years"):
                problems.append(
                    CalendarProblem(
                        path,
                        str(key),
                        f"unknown key '{key}'",
                        "a calendars file has 'names:' and 'years:'",
                        _line(data, key),
                    )
                )
        for named in _read_names(path, data.get("names"), _line(data, "names"), problems):
            if name_key(named.name) in names:
                first = names[name_key(named.name)]
                problems.append(
                    CalendarProblem(
                        path,
                        f"names.{named.name}",
                        f"name '{named.name}' is also given in {first.path}:{first.line}",
                        "give each name once",
                        named.line,
                    )
                )
            else:
                names[name_key(named.name)] = named
        for index, year in _read_years(path, data.get("years"), _line(data, "years"), problems):
            where = (year.country, year.year)
            if where in years:
                first_year = years[where]
                problems.append(
                    CalendarProblem(
                        path,
                        f"years[{index}]",
                        f"{year.country} {year.year} is also given in "
                        f"{first_year.path}:{first_year.line}",
                        "give each year once",
                        year.line,
                    )
                )
            else:
                years[where] = year
    return Calendars(tuple(names.values()), tuple(years.values())), problems


def _read_names(
    path: str, data: object, line: int, problems: list[CalendarProblem]
) -> list[NamedDate]:
    if data is None:
        return []
    if not isinstance(data, dict):
        problems.append(
            CalendarProblem(
                path,
                "names",
                "'names' is a mapping of name -> dates",
                "e.g. names: {店庆: [2026-12-18, 2027-12-18]}",
                line,
            )
        )
        return []
    found = []
    for key, value in data.items():
        name = unicodedata.normalize("NFKC", str(key)).strip()
        where = _line(data, key) or line
        try:
            dates, yearly = parse_dates(value, yearly=True)
        except ValueError as exc:
            problems.append(
                CalendarProblem(
                    path,
                    f"names.{name}",
                    f"names.{name}: {exc}",
                    DATES_HINT + ", or MM-DD for every year",
                    where,
                )
            )
            continue
        if not name or re.search(r"\s[+-]?\d+$|,|\s\d{1,2}:\d{2}$", name):
            problems.append(
                CalendarProblem(
                    path,
                    f"names.{name}",
                    f"'{name}' cannot be a name in 'when'",
                    "use a name without commas, a trailing number or time",
                    where,
                )
            )
            continue
        if not dates and not yearly:
            problems.append(
                CalendarProblem(
                    path,
                    f"names.{name}",
                    f"names.{name} gives no date",
                    DATES_HINT + ", or MM-DD for every year",
                    where,
                )
            )
            continue
        found.append(NamedDate(name, dates, yearly, path, where))
    return found


def _read_years(
    path: str, data: object, line: int, problems: list[CalendarProblem]
) -> list[tuple[int, CalendarYear]]:
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(
            CalendarProblem(
                path,
                "years",
                "'years' is a list",
                "e.g. years: [{country: CN, year: 2027, holidays: {...}}]",
                line,
            )
        )
        return []
    found = []
    for index, entry in enumerate(data):
        where = f"years[{index}]"
        entry_line = _line(data, index) or line

        def problem(key: str, message: str, hint: str, at: int = 0) -> None:
            problems.append(CalendarProblem(path, key, message, hint, at or entry_line))  # noqa: B023

        if not isinstance(entry, dict):
            problem(
                where,
                f"{where} is not a mapping",
                "write {country: CN, year: 2027, holidays: {...}, workdays: [...]}",
            )
            continue
        for key in entry:
            if key not in ("country", "year", "holidays", "workdays"):
                problem(
                    f"{where}.{key}",
                    f"unknown key '{key}' in {where}",
                    "a year has country, year, holidays and workdays",
                    _line(entry, key),
                )
        country = str(entry.get("country", "")).strip().upper()
        wrong = country_problem(country) if country else f"{where} has no 'country'"
        if wrong:
            problem(
                f"{where}.country",
                wrong,
                "use an ISO country code such as CN, US, MX, ES",
                _line(entry, "country"),
            )
            continue
        year = entry.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 < year < 2200:
            problem(
                f"{where}.year",
                f"{where}.year is not a year",
                "write the year as a number, e.g. year: 2027",
                _line(entry, "year"),
            )
            continue
        holidays: list[tuple[str, tuple[dt.date, ...]]] = []
        given = entry.get("holidays") or {}
        if not isinstance(given, dict):
            problem(
                f"{where}.holidays",
                "'holidays' is a mapping of holiday name -> days off",
                "e.g. holidays: {春节: [2027-02-06..2027-02-13]}",
                _line(entry, "holidays"),
            )
            given = {}
        ok = True
        for name, value in given.items():
            try:
                dates = parse_dates(value)[0]
            except ValueError as exc:
                problem(f"{where}.holidays.{name}", str(exc), DATES_HINT, _line(given, name))
                ok = False
                continue
            holidays.append((unicodedata.normalize("NFKC", str(name)).strip(), dates))
        try:
            workdays = parse_dates(entry.get("workdays") or [])[0]
        except ValueError as exc:
            problem(f"{where}.workdays", f"{exc}", DATES_HINT, _line(entry, "workdays"))
            continue
        off = {d for _, dates in holidays for d in dates}
        for date in workdays:
            if date in off:
                problem(
                    f"{where}.workdays",
                    f"{date} is both a day off and a workday",
                    "list it under holidays or workdays, not both",
                    _line(entry, "workdays"),
                )
                ok = False
        outside = sorted(d for d in off | set(workdays) if abs(d.year - year) > 1)
        if outside:
            problem(where, f"{outside[0]} is not near {year}", f"give the days of {year}'s notice")
            ok = False
        if ok:
            found.append(
                (index, CalendarYear(country, year, tuple(holidays), workdays, path, entry_line))
            )
    return found
