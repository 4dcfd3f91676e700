"""The `when` grammar and its expansion over a group's span, and bad `when`s through the real
command line."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from conftest import run_cli, write_project

from playpress.model import Group, Phase, Playbook, Slot
from playpress.schedule import (
    WhenError,
    expand,
    group_slots,
    is_ambiguous,
    is_shifted,
    local_start,
    parse_when,
)


def slot(ident: str, when: str, order: int, path: str = "playbooks/p.md") -> Slot:
    return Slot(
        id=ident,
        when=parse_when(when),
        post=ident,
        kind="content",
        owner="host",
        path=path,
        line=order + 5,
        order=order,
    )


def group(start: dt.date, days: int, timezone: str = "Asia/Shanghai", **extra: object) -> Group:
    return Group(
        slug="g",
        path="content/groups/g.md",
        name="G",
        playbook="p",
        start=start,
        # type: ignore[arg-type]
        end=start + dt.timedelta(days=days - 1),
        timezone=timezone,
        lang="zh",
        **extra,
    )


@pytest.mark.parametrize(
    "text, days, weekdays, first, last",
    [
        ("daily 08:00", "daily", (), 0, 0),
        ("weekdays 12:30", "weekdays", (), 0, 0),
        ("Weekends 9:05", "weekends", (), 0, 0),
        ("mon,wed,fri 20:00", "weekly", (0, 2, 4), 0, 0),
        ("周二,周四 20:00", "weekly", (1, 3), 0, 0),
        ("周日，周六 07:00", "weekly", (5, 6), 0, 0),  # a full-width comma, any order
        ("sun, sun 07:00", "weekly", (6,), 0, 0),
        ("day 3 19:00", "campaign", (), 3, 3),
        ("days 2-14 21:00", "campaign", (), 2, 14),
    ],
)
def test_when_forms(text, days, weekdays, first, last):
    when = parse_when(text)
    assert (when.days, when.weekdays, when.first_day, when.last_day) == (
        days,
        weekdays,
        first,
        last,
    )


def test_when_date_and_time():
    when = parse_when("2027-01-09 15:00")
    assert (when.days, when.date, when.time) == ("date", dt.date(2027, 1, 9), dt.time(15, 0))
    assert parse_when("daily 9:05").time == dt.time(9, 5)


@pytest.mark.parametrize(
    "text, words",
    [
        ("sometimes 08:00", "not a weekday or a day pattern"),
        ("funday 08:00", "'funday'"),
        ("周八 08:00", "'周八'"),
        ("daily 25:00", "not a time of day"),
        ("daily 08:60", "not a time of day"),
        ("daily 8pm", "not a time"),
        ("day 0 08:00", "start at 1"),
        ("days 5-2 08:00", "runs backwards"),
        ("mon", "no time of day"),
        ("", "empty"),
        ("2027-02-30 08:00", "not a real date"),
    ],
)
def test_bad_when(text, words):
    with pytest.raises(WhenError) as caught:
        parse_when(text)
    assert words in str(caught.value)
    assert caught.value.hint


def test_expand_over_the_span_sorted_by_time_then_slot_order():
    playbook = Playbook(
        slug="p",
        path="playbooks/p.md",
        title="P",
        type="interest",
        phases=(Phase("warm", 1, 2, "trust"), Phase("sell", 3, 7, "orders")),
        sop=(
            slot("b", "daily 20:00", 0),
            slot("a", "daily 20:00", 1),
            slot("tue", "tue 08:00", 2),
            slot("third", "day 3 09:00", 3),
            slot("span", "days 6-7 07:00", 4),
            slot("gone", "weekends 10:00", 5),
        ),
    )
    added = (
        slot("extra", "2027-01-06 20:00", 1000, "content/groups/g.md"),
        slot("outside", "2027-02-01 20:00", 1001, "content/groups/g.md"),
    )
    g = group(dt.date(2027, 1, 4), 7, sop_skip=("gone",), sop_add=added)  # Monday to Sunday
    assert [s.id for s in group_slots(playbook, g)] == [
        "b",
        "a",
        "tue",
        "third",
        "span",
        "extra",
        "outside",
    ]
    got = [
        (o.start.strftime("%m-%d %H:%M"), o.slot.id, o.day, o.phase.name if o.phase else "")
        for o in expand(playbook, g)
    ]
    assert got[:5] == [
        ("01-04 20:00", "b", 1, "warm"),
        ("01-04 20:00", "a", 1, "warm"),
        ("01-05 08:00", "tue", 2, "warm"),
        ("01-05 20:00", "b", 2, "warm"),
        ("01-05 20:00", "a", 2, "warm"),
    ]
    assert ("01-06 09:00", "third", 3, "sell") in got
    assert [x for x in got if x[1] == "extra"] == [("01-06 20:00", "extra", 3, "sell")]
    assert [x[0] for x in got if x[1] == "span"] == ["01-09 07:00", "01-10 07:00"]
    assert not [x for x in got if x[1] in ("gone", "outside")]
    assert len(got) == 7 * 2 + 1 + 1 + 2 + 1


def test_local_start_gap_and_overlap():
    new_york = ZoneInfo("America/New_York")
    gap = local_start(dt.date(2027, 3, 14), dt.time(2, 30), new_york)
    assert gap.strftime("%H:%M %Z") == "03:30 EDT"
    assert gap.astimezone(dt.UTC) == dt.datetime(2027, 3, 14, 7, 30, tzinfo=dt.UTC)
    overlap = local_start(dt.date(2027, 11, 7), dt.time(1, 30), new_york)
    assert overlap.strftime("%H:%M %Z") == "01:30 EDT"  # the first of the two 01:30s
    playbook = Playbook(
        slug="p",
        path="playbooks/p.md",
        title="P",
        type="interest",
        sop=(slot("owl", "daily 02:30", 0),),
    )
    shifted = [
        o.date
        for o in expand(playbook, group(dt.date(2027, 3, 12), 5, "America/New_York"))
        if is_shifted(o)
    ]
    assert shifted == [dt.date(2027, 3, 14)]
    mexico = expand(playbook, group(dt.date(2027, 4, 1), 7, "America/Mexico_City"))
    assert not any(is_shifted(o) or is_ambiguous(o) for o in mexico)
    late = Playbook(
        slug="p",
        path="playbooks/p.md",
        title="P",
        type="interest",
        sop=(slot("late", "daily 01:30", 0),),
    )
    fall = expand(late, group(dt.date(2027, 11, 6), 3, "America/New_York"))
    assert [o.date for o in fall if is_ambiguous(o)] == [dt.date(2027, 11, 7)]
    assert not any(is_shifted(o) for o in fall)


BAD_WHENS = ["sometimes 08:00", "周八 08:00", "daily 25:00", "day 0 08:00", "days 5-2 08:00", "mon"]


def test_bad_input_through_the_cli(tmp_path):
    """One diagnostic per mistake, each naming file:line and what the grammar accepts; no
    traceback."""
    slots = "\n".join(
        f'  - {{id: s{n}, when: "{when}", post: P, kind: content, owner: host}}'
        for n, when in enumerate(BAD_WHENS)
    )
    root = write_project(
        tmp_path / "proj",
        {
            "playbooks/p.md": f"---\ntitle: T\ntype: interest\nroles: "
            f"[{{id: host, title: Host}}]\nsop:\n{slots}\n---\n",
            "content/groups/g.md": "---\nname: G\nplaybook: p\nstart: 2027-03-01\ntimezone: "
            "America/NewYork\n"
            "join_url: https://example.com/j\npeople: {host: Ann}\n---\n",
        },
    )
    result = run_cli("build", "--root", str(root), "--no-pdf")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == len(BAD_WHENS) + 1, result.stderr
    for n, when in enumerate(BAD_WHENS):
        (line,) = [
            e
            for e in errors
            if f"'{when}'" in e or f"'{when.split()[0]}'" in e and f"sop[{n}]" in e
        ]
        if n == 0:  # a name is checked against the names of the project's calendars
            assert re.match(rf"playbooks/p\.md:{6 + n}: error: 'sometimes' in ", line), line
            continue
        assert re.match(rf"playbooks/p\.md:{6 + n}:\d+: error: 'sop\[{n}\]\.when'", line), line
        assert "(" in line  # the hint: what to write instead
    (zone,) = [e for e in errors if "time zone" in e]
    assert zone.startswith("content/groups/g.md:5:") and "IANA" in zone
    assert not (root / "dist" / "g").exists()
