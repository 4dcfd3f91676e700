"""What a group's texts say, as data: the welcome message, the rules by aspect, the quick
replies, who runs the group, and the small words of its language. texts.py writes them as .txt
files; the pages and the handbook show the same values."""

from __future__ import annotations

import re
from typing import Any

from ..model import When
from ..templates import render
from .job import Job


def tidy(text: str) -> str:
    """Plain text: no trailing spaces, one blank line between paragraphs, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return joined + "\n" if joined else ""


def welcome_text(job: Job) -> str:
    return tidy(render(job.playbook.welcome, job.values, job.group))


def rules_sections(job: Job) -> list[tuple[str, str]]:
    """The five aspects of the rules and the penalty that the playbook fills: (heading, text)."""
    rules = job.playbook.rules
    if rules is None:
        return []
    headings = job.labels()["rules"]
    values, group = job.values, job.group

    def one(template: object) -> str:
        return render(template, values, group).strip()  # type: ignore[arg-type]

    sections: list[tuple[str, str]] = []
    for key in ("name_card", "service", "help"):
        text = one(getattr(rules, key))
        if text:
            sections.append((headings[key], text))
    for key in ("never", "can"):
        items = [one(item) for item in getattr(rules, key)]
        if items:
            sections.append(
                (headings[key], "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1)))
            )
    penalty = one(rules.penalty)
    if penalty:
        sections.append((headings["penalty"], penalty))
    return sections


def faq_blocks(job: Job) -> list[tuple[str, str]]:
    """Each quick reply: (question, answer to paste)."""
    return [
        (
            render(answer.q, job.values, job.group).strip(),
            render(answer.a, job.values, job.group).strip(),
        )
        for answer in job.playbook.faq
    ]


def people(job: Job) -> list[tuple[str, str]]:
    """Who runs the group: (role title, person) for each role that has a person."""
    return [
        (role.title, job.group.people[role.id])
        for role in job.playbook.roles
        if role.id in job.group.people
    ]


def colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def day_label(labels: dict[str, Any], day: int) -> str:
    return str(labels["day_n"]).format(n=day)


def when_text(when: When, labels: dict[str, Any]) -> str:
    """A slot's `when` written for people in the labels' language ("每天 07:30", "days 2-29
    19:00", "fines de semana 10:00"), from its parsed form; the text as written for a form the
    labels do not phrase (a theme's labels may leave words out or misspell a placeholder)."""
    try:
        words = labels["when"]
        return str(words["format"]).format(
            days=_when_days(when, words, labels), time=f"{when.time:%H:%M}"
        )
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return when.text


def _when_days(when: When, words: dict[str, Any], labels: dict[str, Any]) -> str:
    join = str(words["list_join"])

    def weekday_list(days: tuple[int, ...]) -> str:
        return join.join(str(labels["weekdays"][d]) for d in days)

    kind = when.days
    if kind in ("daily", "weekdays", "weekends", "workdays", "offdays", "holidays"):
        return str(words[kind])
    if kind == "weekly":
        if when.weekdays == tuple(range(7)):
            return str(words["daily"])
        if when.weekdays == tuple(range(5)):
            return str(words["weekdays"])
        if when.weekdays == (5, 6):
            return str(words["weekends"])
        return str(words["weekly"]).format(days=weekday_list(when.weekdays))
    if kind == "campaign":
        if when.first_day == when.last_day:
            return str(words["day"]).format(n=when.first_day)
        return str(words["days"]).format(first=when.first_day, last=when.last_day)
    if kind == "date" and when.date is not None:
        date = when.date
        months = labels.get("poster_months") or [str(m) for m in range(1, 13)]
        month = months[date.month - 1]
        return str(labels["poster_date"]).format(y=date.year, m=date.month, d=date.day, month=month)
    if kind == "monthly":
        return str(words["monthly"]).format(days=join.join(str(d) for d in when.month_days))
    if kind == "ordinal":
        ordinal = words["last"] if when.ordinal == -1 else words["ordinals"][when.ordinal - 1]
        day = labels["weekdays"][when.weekdays[0]]
        return str(words["ordinal"]).format(n=ordinal, day=day)
    if kind == "every":
        return str(words["every"]).format(n=when.every, days=weekday_list(when.weekdays))
    if kind == "named":
        first, last = when.offsets
        if first == last:
            return _named_day(when.name, first, words, alone=True)
        return str(words["named_range"]).format(
            first=_named_day(when.name, first, words), last=_named_day(when.name, last, words)
        )
    raise KeyError(kind)


def _named_day(name: str, offset: int, words: dict[str, Any], alone: bool = False) -> str:
    """One day relative to a named date: '春节前3天', 'the day after Black Friday'."""
    if offset == 0:
        return name if alone else str(words["named_on"]).format(name=name)
    side = "before" if offset < 0 else "after"
    key = f"named_{side}_one" if abs(offset) == 1 and f"named_{side}_one" in words else None
    return str(words[key or f"named_{side}"]).format(name=name, n=abs(offset))
