"""Real calendars: China's official 2026 schedule with its make-up workdays, other countries'
holidays, lunar festivals and named dates, unknown years and the project's own years, and the
expansion of every version-2 `when` form on dates checked by hand against those calendars."""

from __future__ import annotations

import datetime as dt

import pytest

from playpress.almanac import Almanac, almanac_for, country_problem
from playpress.diagnostics import ERROR, NOTE, WARNING
from playpress.load.calendars import read_calendars
from playpress.model import (
    Calendars,
    CalendarYear,
    Group,
    Phase,
    Playbook,
    Slot,
    SopChange,
    Template,
)
from playpress.schedule import (
    ANY_NAME,
    day_marks,
    describe_differences,
    expand,
    expand_group,
    occurrence_values,
    parse_when,
    visible_names,
)

D = dt.date

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, as printed by Xinhua), typed by hand:
# each holiday's days off, and the weekend days that are worked instead.
OFFICIAL_2026 = {
    "元旦": ((D(2026, 1, 1), D(2026, 1, 3)), [D(2026, 1, 4)]),
    "春节": ((D(2026, 2, 15), D(2026, 2, 23)), [D(2026, 2, 14), D(2026, 2, 28)]),
    "清明": ((D(2026, 4, 4), D(2026, 4, 6)), []),
    "劳动节": ((D(2026, 5, 1), D(2026, 5, 5)), [D(2026, 5, 9)]),
    "端午": ((D(2026, 6, 19), D(2026, 6, 21)), []),
    "中秋": ((D(2026, 9, 25), D(2026, 9, 27)), []),
    "国庆": ((D(2026, 10, 1), D(2026, 10, 7)), [D(2026, 9, 20), D(2026, 10, 10)]),
}


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def official_2026() -> tuple[dict[dt.date, str], set[dt.date]]:
    days_off = {d: name for name, (run, _) in OFFICIAL_2026.items() for d in days(*run)}
    makeup = {d for _, (_, worked) in OFFICIAL_2026.items() for d in worked}
    return days_off, makeup


def test_china_2026_is_the_state_councils_schedule_day_by_day():
    cn = Almanac("CN")
    days_off, makeup = official_2026()
    for date in days(D(2026, 1, 1), D(2026, 12, 31)):
        expected = date in makeup or (date.weekday() < 5 and date not in days_off)
        assert cn.is_workday(date) == expected, date
        assert cn.is_holiday(date) == (date in days_off), date
        assert cn.holiday(date) == days_off.get(date, ""), date
    assert cn.unknown_years(D(2026, 1, 1), D(2026, 12, 31)) == ()
    assert cn.holiday(D(2026, 2, 15), "en") == "Spring Festival"
    assert cn.holiday(D(2026, 10, 3), "es") == "Día Nacional"


def test_day_marks_for_page_headers():
    cn = Almanac("CN")
    assert cn.mark(D(2026, 1, 1)) == "元旦（休）"
    assert cn.mark(D(2026, 1, 4)) == "元旦后（班）"
    assert cn.mark(D(2026, 2, 14)) == "春节前（班）"
    assert cn.mark(D(2026, 2, 28)) == "春节后（班）"
    assert cn.mark(D(2026, 9, 20)) == "国庆前（班）"
    assert cn.mark(D(2026, 10, 10), "en") == "workday after National Day"
    assert cn.mark(D(2026, 10, 1), "es") == "Día Nacional (festivo)"
    assert cn.mark(D(2026, 10, 8)) == ""
    marks = day_marks(cn, D(2026, 9, 18), D(2026, 10, 11), "zh")
    assert list(marks) == [
        D(2026, 9, 20),
        *days(D(2026, 9, 25), D(2026, 9, 27)),
        *days(D(2026, 10, 1), D(2026, 10, 7)),
        D(2026, 10, 10),
    ]
    assert Almanac("US").mark(D(2026, 11, 26), "en") == "Thanksgiving Day (off)"
    assert Almanac().mark(D(2026, 10, 1)) == ""


def test_weekdays_and_workdays_differences():
    cn = Almanac("CN")
    found = cn.differences(D(2026, 9, 14), D(2026, 10, 14))
    assert [(x.date, x.workday) for x in found] == [
        (D(2026, 9, 20), True),
        (D(2026, 9, 25), False),
        (D(2026, 10, 1), False),
        (D(2026, 10, 2), False),
        (D(2026, 10, 5), False),
        (D(2026, 10, 6), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),
    ]
    assert describe_differences(found, "zh") == (
        "2026-09-20 国庆前（班）, 2026-09-25 中秋（休）, 2026-10-01..2026-10-02 国庆（休）, "
        "2026-10-05..2026-10-07 国庆（休）, 2026-10-10 国庆后（班）"
    )


def test_lunar_festivals_and_holiday_names_mean_the_day_itself():
    """Checked against the 2026 notice (2月15日 is 腊月二十八, 2月23日 正月初七) and, for the
    other festivals, three lunar libraries that agree (lunar-python, sxtwl, zhdate)."""
    cn = Almanac("CN")
    year = (D(2026, 1, 1), D(2026, 12, 31))
    expected = {
        "春节": D(2026, 2, 17),
        "除夕": D(2026, 2, 16),
        "元宵": D(2026, 3, 3),
        "清明": D(2026, 4, 5),
        "端午": D(2026, 6, 19),
        "七夕": D(2026, 8, 19),
        "中秋": D(2026, 9, 25),
        "国庆": D(2026, 10, 1),
        "元旦": D(2026, 1, 1),
        "劳动节": D(2026, 5, 1),
        "腊八": D(2026, 1, 26),
        "小年": D(2026, 2, 10),
        "618": D(2026, 6, 18),
        "双11": D(2026, 11, 11),
        "双12": D(2026, 12, 12),
        "520": D(2026, 5, 20),
        "女神节": D(2026, 3, 8),
        "平安夜": D(2026, 12, 24),
        "年货节": D(2026, 1, 26),
        "Spring Festival": D(2026, 2, 17),
        "国庆节": D(2026, 10, 1),
        "Festival del Medio Otoño": D(2026, 9, 25),
    }
    for name, date in expected.items():
        assert cn.dates_of(name, *year) == (date,), name
    # 2027's 除夕 is the day before 春节 (2027-02-06): 腊月廿九 again, 腊月 has 29 days.
    assert cn.dates_of("除夕", D(2027, 1, 1), D(2027, 12, 31)) == (D(2027, 2, 5),)
    assert cn.dates_of("小年", D(2027, 1, 1), D(2027, 12, 31)) == (D(2027, 1, 30),)
    assert cn.dates_of("nonsense", *year) == ()


def test_us_mx_es_holidays():
    us, mx, es = Almanac("US"), Almanac("MX"), Almanac("ES")
    year = (D(2026, 1, 1), D(2027, 12, 31))
    assert us.dates_of("Thanksgiving", *year) == (D(2026, 11, 26), D(2027, 11, 25))
    assert us.dates_of("Thanksgiving Day", *year) == us.dates_of("thanksgiving", *year)
    assert us.dates_of("Christmas Day", *year) == (D(2026, 12, 25), D(2027, 12, 25))
    assert us.dates_of("New Year's Day", *year) == (D(2026, 1, 1), D(2027, 1, 1))
    assert us.dates_of("Independence Day", *year)[0] == D(2026, 7, 4)  # the day, not observed
    assert (
        not us.is_workday(D(2026, 7, 3))
        and us.holiday(D(2026, 7, 3)) == "Independence Day (observed)"
    )  # 4 July 2026 is a Saturday
    assert not us.is_workday(D(2026, 11, 26)) and us.is_workday(D(2026, 11, 27))
    assert mx.dates_of("Navidad", *year) == (D(2026, 12, 25), D(2027, 12, 25))
    # Natalicio de Benito Juárez: the third Monday of March (2026-03-16).
    assert not mx.is_workday(D(2026, 3, 16)) and mx.is_workday(D(2026, 3, 17))
    assert mx.holiday(D(2026, 3, 16), "es") == "Natalicio de Benito Juárez"
    assert mx.holiday(D(2026, 3, 16), "en") == "Benito Juárez's birthday"
    assert es.holiday(D(2026, 4, 3), "es") == "Viernes Santo"  # Good Friday 2026
    assert es.dates_of("Natividad del Señor", *year)[0] == D(2026, 12, 25)
    assert Almanac("ES-MD").is_holiday(D(2026, 5, 2))  # Madrid's own day
    assert country_problem("CN") == country_problem("us") == country_problem("ES-MD") == ""
    assert "not a country code" in country_problem("XX")
    assert "no subdivision" in country_problem("ES-ZZ")


def test_an_unknown_year_and_a_user_year_that_fills_it():
    cn = Almanac("CN")
    assert cn.unknown_years(D(2026, 12, 1), D(2027, 1, 30)) == (2027,)
    # Not known: Monday to Friday, and only the fixed-date statutory days are holidays.
    assert cn.is_workday(D(2027, 2, 8)) and not cn.is_holiday(D(2027, 2, 8))
    assert [d for d in days(D(2027, 1, 1), D(2027, 12, 31)) if cn.is_holiday(d)] == [
        D(2027, 1, 1),
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    ]
    calendars, problems = read_calendars(
        [
            (
                "content/calendars/cn-2027.yml",
                {
                    "years": [
                        {
                            "country": "CN",
                            "year": 2027,
                            "holidays": {
                                "元旦": [D(2027, 1, 1)],
                                "春节": ["2027-02-06..2027-02-13"],
                            },
                            "workdays": [D(2027, 2, 14)],
                        }
                    ]
                },
            )
        ]
    )
    assert problems == []
    filled = Almanac("CN", calendars)
    assert filled.unknown_years(D(2026, 12, 1), D(2027, 2, 28)) == ()
    assert not filled.is_workday(D(2027, 2, 8)) and filled.is_workday(D(2027, 2, 14))
    assert filled.mark(D(2027, 2, 14)) == "春节后（班）"
    assert filled.holiday(D(2027, 2, 10), "en") == "Spring Festival"
    assert filled.is_workday(D(2026, 2, 14))  # 2026 still the shipped one
    # A user year overrides a shipped one, for any country.
    override = Calendars(years=(CalendarYear("US", 2026, (("Founders' Day", (D(2026, 3, 2),)),)),))
    us = Almanac("US", override)
    assert not us.is_workday(D(2026, 3, 2)) and us.is_workday(D(2026, 11, 26))


def test_calendars_names_override_shipped_ones():
    calendars, problems = read_calendars(
        [
            (
                "content/calendars/shop.yml",
                {
                    "names": {
                        "店庆": [D(2026, 12, 18), D(2027, 12, 18)],
                        "年货节": [D(2027, 1, 10)],
                        "开业": "03-15",
                    }
                },
            )
        ]
    )
    assert problems == []
    cn = almanac_for("CN", calendars)
    assert cn.dates_of("年货节", D(2026, 6, 1), D(2027, 6, 1)) == (D(2027, 1, 10),)
    assert cn.dates_of("店庆", D(2026, 1, 1), D(2027, 12, 31)) == (D(2026, 12, 18), D(2027, 12, 18))
    assert cn.dates_of("开业", D(2026, 1, 1), D(2027, 12, 31)) == (D(2026, 3, 15), D(2027, 3, 15))
    names = visible_names(cn, D(2026, 1, 1), D(2026, 12, 31), {"meetup": D(2026, 5, 1)})
    assert names["meetup"] == "event" and names["店庆"] == "calendar" and names["国庆"] == "holiday"
    assert names["除夕"] == "festival" and names["双11"] == "promo"


def test_bad_calendars_files():
    _, problems = read_calendars(
        [
            (
                "a.yml",
                {
                    "years": [
                        {"country": "XX", "year": 2027},
                        {"country": "CN", "year": "soon"},
                        {
                            "country": "CN",
                            "year": 2027,
                            "holidays": {"春节": ["2027-02-13..2027-02-06"]},
                        },
                        {
                            "country": "CN",
                            "year": 2028,
                            "holidays": {"元旦": [D(2028, 1, 1)]},
                            "workdays": [D(2028, 1, 1)],
                        },
                    ],
                    "names": {"x": ["nope"]},
                    "extra": 1,
                },
            ),
            ("b.yml", ["not", "a", "mapping"]),
            ("c.yml", {"names": {"x": [D(2026, 1, 1)]}}),
        ]
    )
    said = {(p.path, p.key): p.message for p in problems}
    assert "not a country code" in said[("a.yml", "years[0].country")]
    assert "not a year" in said[("a.yml", "years[1].year")]
    assert "runs backwards" in said[("a.yml", "years[2].holidays.春节")]
    assert "both a day off and a workday" in said[("a.yml", "years[3].workdays")]
    assert "'nope' is not a date" in said[("a.yml", "names.x")]
    assert "unknown key 'extra'" in said[("a.yml", "extra")]
    assert "is a mapping" in said[("b.yml", "")]
    assert all(p.hint for p in problems)


# ---------------------------------------------------------------------------- expansion


def slot(ident: str, when: str, order: int, path: str = "playbooks/p.md", **extra) -> Slot:
    return Slot(
        id=ident,
        when=parse_when(when, ANY_NAME),
        post=f"post {ident}",
        kind="content",
        owner="host",
        path=path,
        line=order + 5,
        order=order,
        **extra,
    )


def group(
    start: dt.date, end: dt.date, lang: str = "zh", timezone: str = "Asia/Shanghai", **extra
) -> Group:
    extra.setdefault("key_lines", {"name": 2, "start": 4, "end": 5})
    return Group(
        slug="g",
        path="content/groups/g.md",
        name="G",
        playbook="p",
        start=start,
        end=end,
        timezone=timezone,
        lang=lang,
        **extra,
    )


def dates_of(occurrences, ident: str) -> list[dt.date]:
    return [o.date for o in occurrences if o.slot.id == ident]


def playbook(*slots: Slot, phases: tuple[Phase, ...] = ()) -> Playbook:
    return Playbook(
        slug="p", path="playbooks/p.md", title="P", type="interest", sop=slots, phases=phases
    )


def test_every_new_form_on_real_2026_dates():
    """A group over the 2026 中秋 and 国庆 holidays (2026-09-14 Mon to 2026-10-14 Wed)."""
    book = playbook(
        slot("work", "workdays 11:30", 0),
        slot("off", "offdays 10:00", 1),
        slot("hol", "holidays 09:00", 2),
        slot("m", "monthly 1,31 09:00", 3),
        slot("first", "1st sat 07:00", 4),
        slot("last", "最后一个周五 18:00", 5),
        slot("every", "every 2 weeks sat 09:00", 6),
        slot("gq", "国庆 -1 20:00", 7),
        slot("zq", "中秋 -1..0 20:00", 8),
        slot("wk", "weekdays 12:00", 9),
    )
    g = group(D(2026, 9, 14), D(2026, 10, 14))
    found = expand_group(book, g, almanac=almanac_for("CN"))
    got = found.occurrences
    days_off, makeup = official_2026()
    span = days(g.start, g.end)
    work = [d for d in span if d in makeup or (d.weekday() < 5 and d not in days_off)]
    assert dates_of(got, "work") == work
    assert D(2026, 9, 20) in work and D(2026, 10, 10) in work and D(2026, 10, 1) not in work
    assert dates_of(got, "off") == [d for d in span if d not in work]
    assert dates_of(got, "hol") == days(D(2026, 9, 25), D(2026, 9, 27)) + days(
        D(2026, 10, 1), D(2026, 10, 7)
    )
    assert dates_of(got, "m") == [D(2026, 10, 1)]  # September has no 31st
    assert dates_of(got, "first") == [D(2026, 10, 3)]  # 2026-09-05 is before the span
    assert dates_of(got, "last") == [D(2026, 9, 25)]  # October's last Friday, 10-30, is after it
    assert dates_of(got, "every") == [D(2026, 9, 19), D(2026, 10, 3)]  # weeks 0 and 2
    assert dates_of(got, "gq") == [D(2026, 9, 30)]  # 国庆 is 10-01 itself, not the first day off
    assert dates_of(got, "zq") == [D(2026, 9, 24), D(2026, 9, 25)]
    assert dates_of(got, "wk") == [d for d in span if d.weekday() < 5]
    assert [d.severity for d in found.diagnostics] == [NOTE]  # weekdays and workdays differ
    assert "2026-09-20 国庆前（班）" in found.diagnostics[0].message


def test_spring_festival_and_christmas_eve_for_a_fruit_shop():
    book = playbook(
        slot("cj", "春节 -3 09:00", 0),
        slot("pa", "平安夜 18:00", 1),
        slot("cx", "除夕 -1..0 10:00", 2),
        slot("s11", "双11 -1..0 20:00", 3),
        slot("noon", "workdays 11:30", 4),
    )
    g = group(D(2025, 11, 1), D(2026, 2, 28))
    got = expand(book, g, almanac=almanac_for("CN"))
    assert dates_of(got, "cj") == [D(2026, 2, 14)]  # a Saturday, and a make-up workday
    assert dates_of(got, "pa") == [D(2025, 12, 24)]
    assert dates_of(got, "cx") == [D(2026, 2, 15), D(2026, 2, 16)]
    assert dates_of(got, "s11") == [D(2025, 11, 10), D(2025, 11, 11)]
    noon = dates_of(got, "noon")
    assert D(2026, 2, 14) in noon and D(2026, 2, 28) in noon and D(2026, 1, 4) in noon
    assert not set(days(D(2026, 2, 15), D(2026, 2, 23))) & set(noon)
    assert not set(days(D(2026, 1, 1), D(2026, 1, 3))) & set(noon)


def test_ordinals_and_every_n_weeks_in_december_2026_and_january_2027():
    book = playbook(
        slot("run", "第一个周六 07:00", 0),
        slot("last", "last fri 18:00", 1),
        slot("club", "every 2 weeks sat 09:00", 2),
        slot("m", "monthly 31 09:00", 3),
        slot("second", "2nd sun 10:00", 4),
    )
    g = group(D(2026, 12, 2), D(2027, 3, 31))  # starts on a Wednesday
    got = expand(book, g)
    assert dates_of(got, "run") == [D(2026, 12, 5), D(2027, 1, 2), D(2027, 2, 6), D(2027, 3, 6)]
    assert dates_of(got, "last") == [
        D(2026, 12, 25),
        D(2027, 1, 29),
        D(2027, 2, 26),
        D(2027, 3, 26),
    ]
    assert dates_of(got, "club")[:4] == [
        D(2026, 12, 5),
        D(2026, 12, 19),
        D(2027, 1, 2),
        D(2027, 1, 16),
    ]
    assert dates_of(got, "m") == [D(2026, 12, 31), D(2027, 1, 31), D(2027, 3, 31)]  # no 2-31
    assert dates_of(got, "second") == [
        D(2026, 12, 13),
        D(2027, 1, 10),
        D(2027, 2, 14),
        D(2027, 3, 14),
    ]


def test_an_event_countdown_that_ends_before_the_meetup():
    book = playbook(slot("signup", "meetup -7..-1 20:00", 0), slot("day", "meetup 0 13:00", 1))
    g = group(D(2027, 1, 4), D(2027, 1, 31))
    got = expand(book, g, events={"meetup": dt.datetime(2027, 1, 23, 14, 0)})
    assert dates_of(got, "signup") == days(D(2027, 1, 16), D(2027, 1, 22))
    assert dates_of(got, "day") == [D(2027, 1, 23)]
    assert [o.n for o in got if o.slot.id == "signup"] == [1, 2, 3, 4, 5, 6, 7]


def test_us_thanksgiving_christmas_and_an_mx_holiday():
    book = playbook(
        slot("tg", "Thanksgiving -1 18:00", 0),
        slot("xmas", "Christmas Day 10:00", 1),
        slot("open", "workdays 07:30", 2),
        slot("closed", "holidays 09:00", 3),
    )
    us = group(D(2026, 11, 20), D(2026, 12, 31), lang="en", timezone="America/New_York")
    got = expand(book, us, almanac=almanac_for("US"))
    assert dates_of(got, "tg") == [D(2026, 11, 25)]
    assert dates_of(got, "xmas") == [D(2026, 12, 25)]
    assert dates_of(got, "closed") == [D(2026, 11, 26), D(2026, 12, 25)]
    assert D(2026, 11, 26) not in dates_of(got, "open") and D(2026, 11, 27) in dates_of(got, "open")
    closed = [o.holiday for o in got if o.slot.id == "closed"]
    assert closed == ["Thanksgiving Day", "Christmas Day"]
    cafe = playbook(slot("menu", "workdays 08:00", 0), slot("navidad", "Navidad -1 17:00", 1))
    mx = group(D(2026, 3, 9), D(2026, 3, 22), lang="es", timezone="America/Mexico_City")
    got = expand(cafe, mx, almanac=almanac_for("MX"))
    assert D(2026, 3, 16) not in dates_of(got, "menu") and D(2026, 3, 17) in dates_of(got, "menu")
    assert dates_of(got, "navidad") == []  # never in the span: left out without a word


def test_a_span_into_2027_warns_once_and_a_calendars_year_moves_the_dates():
    book = playbook(slot("noon", "workdays 11:30", 0))
    g = group(D(2027, 1, 25), D(2027, 2, 20), key_lines={"name": 2, "start": 4, "days": 5})
    unknown = expand_group(book, g, almanac=almanac_for("CN"))
    warnings = [d for d in unknown.diagnostics if d.severity == WARNING]
    assert len(warnings) == 1 and "2027" in warnings[0].message and unknown.unknown_years == (2027,)
    assert warnings[0].path == g.path and warnings[0].line == 5
    assert D(2027, 2, 8) in dates_of(unknown.occurrences, "noon")  # Monday to Friday
    calendars, _ = read_calendars(
        [
            (
                "content/calendars/cn.yml",
                {
                    "years": [
                        {
                            "country": "CN",
                            "year": 2027,
                            "holidays": {"春节": ["2027-02-06..2027-02-13"]},
                            "workdays": [D(2027, 2, 14)],
                        }
                    ]
                },
            )
        ]
    )
    known = expand_group(book, g, almanac=almanac_for("CN", calendars))
    assert not [d for d in known.diagnostics if d.severity == WARNING]
    noon = dates_of(known.occurrences, "noon")
    assert D(2027, 2, 14) in noon and not set(days(D(2027, 2, 8), D(2027, 2, 12))) & set(noon)


def test_on_holiday_skip_and_sop_changes():
    copy = Template("本周暂停，下周见！", "content/groups/g.md", 12, "sop_change[2].copy")
    book = playbook(
        slot("lunch", "daily 11:30", 0),
        slot("cafe", "daily 08:00", 1),
        slot("signup", "sun 20:00", 2),
    )
    g = group(D(2026, 12, 21), D(2027, 1, 3), lang="en", timezone="America/New_York")
    changes = (
        SopChange("cafe", D(2026, 12, 25), time=dt.time(10, 0), path=g.path, line=10),
        SopChange("lunch", D(2026, 12, 24), skip=True, path=g.path, line=11),
        SopChange("signup", D(2026, 12, 27), copy=copy, post="No signup", path=g.path, line=12),
        SopChange("signup", D(2026, 12, 28), skip=True, path=g.path, line=13),
        SopChange("brunch", D(2026, 12, 28), skip=True, path=g.path, line=14),
        SopChange("cafe", D(2026, 12, 25), skip=True, path=g.path, line=15),
    )
    found = expand_group(
        book, g, almanac=almanac_for("US"), changes=changes, skip_on_holiday={"lunch", "cafe"}
    )
    got = found.occurrences
    lunch = dates_of(got, "lunch")
    assert D(2026, 12, 25) not in lunch and D(2027, 1, 1) not in lunch  # on_holiday: skip
    assert D(2026, 12, 24) not in lunch and D(2026, 12, 23) in lunch  # skipped by a change
    (christmas,) = [o for o in got if o.slot.id == "cafe" and o.date == D(2026, 12, 25)]
    assert christmas.time == dt.time(10, 0) and christmas.start.hour == 10  # back, at 10:00
    assert christmas.holiday == "Christmas Day" and christmas.change is changes[0]
    assert D(2027, 1, 1) not in dates_of(got, "cafe")
    (paused,) = [o for o in got if o.slot.id == "signup" and o.date == D(2026, 12, 27)]
    assert paused.copy is copy and paused.post == "No signup"
    errors = sorted((d.line, d.message) for d in found.diagnostics if d.severity == ERROR)
    assert [line for line, _ in errors] == [13, 14, 15]
    assert (
        "matches no occurrence" in errors[0][1]
        and "2026-12-27" in [d.hint for d in found.diagnostics if d.line == 13][0]
    )
    assert "'brunch', which this group does not have" in errors[1][1]
    assert "a second sop_change" in errors[2][1]


def test_occurrence_fields_for_templates():
    book = playbook(
        slot("a", "daily 20:00", 0),
        slot("b", "workdays 12:00", 1),
        phases=(Phase("warm", 1, 3), Phase("sell", 4, 9)),
    )
    g = group(D(2026, 9, 28), D(2026, 10, 6))
    got = expand(book, g, almanac=almanac_for("CN"))
    first = got[0]
    assert (first.slot.id, first.n, first.day, first.days_left, first.holiday) == ("b", 1, 1, 8, "")
    (national,) = [o for o in got if o.slot.id == "a" and o.date == D(2026, 10, 1)]
    values = occurrence_values(national, ["周一", "周二", "周三", "周四", "周五", "周六", "周日"])
    assert values == {
        "date": "2026-10-01",
        "time": "20:00",
        "weekday": "周四",
        "day": 4,
        "phase": "sell",
        "n": 4,
        "days_left": 5,
        "holiday": "国庆",
        "offset": 0,
    }
    assert [o.n for o in got if o.slot.id == "b"] == [1, 2, 3]  # 09-28, 09-29, 09-30


def test_names_checked_per_group_with_did_you_mean():
    book = playbook(
        slot("gq", "国庆节 -1 20:00", 0),
        slot("typo", "中球 20:00", 1),
        slot("meet", "meetup -3..-1 20:00", 2),
        slot("tg", "Thanksgiving 18:00", 3),
    )
    g = group(D(2026, 9, 1), D(2026, 10, 31))
    found = expand_group(book, g, almanac=almanac_for("CN"), known_events={"meetup"})
    assert dates_of(found.occurrences, "gq") == [D(2026, 9, 30)]
    errors = [d for d in found.diagnostics if d.severity == ERROR]
    typo = next(d for d in errors if "'中球'" in d.message)
    assert (typo.path, typo.line) == ("playbooks/p.md", 6)
    assert typo.hint.startswith("did you mean '中秋'? Else give it: 'events: {中球: YYYY-MM-DD}'")
    missing = next(d for d in errors if "meetup" in d.message)
    assert missing.path == "content/groups/g.md" and "sop_skip" in missing.hint
    assert any("'Thanksgiving'" in d.message for d in errors)  # a US name, not China's
    assert len(errors) == 3
    launch = expand_group(
        playbook(slot("launch", "launch -1 20:00", 0)), g, almanac=almanac_for("CN")
    ).diagnostics
    assert len(launch) == 1 and "nor a named date its groups can see" in launch[0].message
    assert "'events: {launch: YYYY-MM-DD}'" in launch[0].hint and "sop_skip" in launch[0].hint
    us = expand_group(
        book,
        group(D(2026, 11, 1), D(2026, 11, 30), lang="en"),
        almanac=almanac_for("US"),
        events={"meetup": D(2026, 11, 20)},
    )
    assert dates_of(us.occurrences, "tg") == [D(2026, 11, 26)]
    assert dates_of(us.occurrences, "meet") == [D(2026, 11, 17), D(2026, 11, 18), D(2026, 11, 19)]


@pytest.mark.parametrize("country", ["", "CN", "US"])
def test_version_one_slots_expand_as_before(country):
    """With or without a holiday calendar, version-1 forms give the same dates as version 1."""
    book = playbook(
        slot("d", "daily 08:00", 0),
        slot("w", "weekdays 12:00", 1),
        slot("l", "mon,thu 20:00", 2),
        slot("c", "days 2-4 21:00", 3),
        slot("x", "2026-10-01 09:00", 4),
    )
    g = group(D(2026, 9, 28), D(2026, 10, 11))
    got = expand(book, g, almanac=almanac_for(country))
    assert dates_of(got, "w") == [d for d in days(g.start, g.end) if d.weekday() < 5]
    assert dates_of(got, "c") == [D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 1)]
    assert dates_of(got, "x") == [D(2026, 10, 1)]
    assert len(dates_of(got, "d")) == 14 and len(dates_of(got, "l")) == 4
