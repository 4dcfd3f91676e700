"""What a group's texts say, as data: the welcome message, the rules by aspect, the quick
replies, who runs the group, and the small words of its language. texts.py writes them as .txt
files; the pages and the handbook show the same values."""

from __future__ import annotations

import re
from typing import Any

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
