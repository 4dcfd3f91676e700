"""sop.html: the SOP as a printable page, day by day, with phases, owners and the full copy; on
a phone, a day index at the top and each run of identical daily copy written out once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .job import Job
from .posts import Entry, calendar_days, day_chart, entries
from .webfont import with_webfont
from .words import colon, people


def short_date(labels: dict[str, Any], date: dt.date) -> str:
    """'12月14日', 'Dec 14', '14 de diciembre': a date of the group's span, as people say it."""
    months = labels.get("poster_months") or [str(m) for m in range(1, 13)]
    return str(labels["sop_date_short"]).format(
        y=date.year, m=date.month, d=date.day, month=months[date.month - 1]
    )


def posts_of(days: list[dict[str, Any]], labels: dict[str, Any]) -> list[dict[str, Any]]:
    """The days with each post's anchor and, when the post says what the same slot said the day
    before, the day its run of identical copy began (the copy is written out there only)."""
    numbers: dict[tuple[str, int], int] = {}
    last: dict[tuple[str, int], tuple[dt.date, tuple[str, str, str], dt.date]] = {}
    shown = []
    for day in days:
        posts = []
        for entry in day["entries"]:
            key = (entry.slot.path, entry.slot.order)
            number = numbers.setdefault(key, len(numbers) + 1)
            date = entry.occurrence.date
            says = (entry.copy, entry.post, entry.slot.note)
            before = last.get(key)
            start = date
            if (
                entry.copy
                and before is not None
                and before[0] == date - dt.timedelta(days=1)
                and before[1] == says
            ):
                start = before[2]
            # the note is the slot's, the same every day: on a phone, one line after the first day
            repeat = before is not None and before[0] == date - dt.timedelta(days=1)
            last[key] = (date, says, start)
            posts.append({**post_of(entry, number, start, labels), "note_repeat": repeat})
        shown.append({**day, "posts": posts})
    return shown


def post_of(entry: Entry, number: int, start: dt.date, labels: dict[str, Any]) -> dict[str, Any]:
    date = entry.occurrence.date
    same = start != date
    return {
        "entry": entry,
        "id": f"p{date}-{number}",
        "same_as": str(labels["sop_same_copy"]).format(date=short_date(labels, start))
        if same
        else "",
        "same_href": f"#p{start}-{number}" if same else "",
    }


def day_index(days: list[dict[str, Any]], labels: dict[str, Any]) -> list[dict[str, Any]]:
    """The days with posts by month, for the index at the top of the page."""
    months = labels.get("poster_months") or [str(m) for m in range(1, 13)]
    index: list[dict[str, Any]] = []
    for day in days:
        date: dt.date = day["date"]
        if not index or index[-1]["key"] != (date.year, date.month):
            name = str(labels["sop_month"]).format(
                y=date.year, m=date.month, month=months[date.month - 1]
            )
            index.append({"key": (date.year, date.month), "name": name, "days": []})
        index[-1]["days"].append(day)
    return index


def sop_html(job: Job) -> bytes:
    """The SOP as a printable page: by day, phases as bands, copy in full; fits A4 portrait."""
    group, playbook = job.group, job.playbook
    labels = job.labels()
    items = entries(job)
    days = posts_of(calendar_days(job, items), labels)
    html = job.theme.render(
        "sop.html",
        job.reads,
        lang=group.lang,
        labels=labels,
        colon=colon(group.lang),
        group=group,
        playbook=playbook,
        site=job.project.site,
        days=days,
        index=day_index(days, labels),
        count=len(items),
        people=people(job),
        kinds=sorted({e.slot.kind for e in items}),
        chart=day_chart(job, items) if items else "",
    )
    return with_webfont(job, html).encode("utf-8")
