"""Texts to paste into the chat: the welcome message, the rules and the quick replies."""

from __future__ import annotations

import re

from .plan import Job
from .templates import render


def tidy(text: str) -> str:
    """Plain text: no trailing spaces, one blank line between paragraphs, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return joined + "\n" if joined else ""


def rules_text(job: Job) -> str:
    """The five aspects of the rules and the penalty, headed in the group's language."""
    rules = job.playbook.rules
    if rules is None:
        return ""
    labels = job.labels()
    headings = labels["rules"]
    values = job.values
    group = job.group

    def one(template: object) -> str:
        return render(template, values, group).strip()  # type: ignore[arg-type]

    blocks: list[str] = [labels["rules_title"]]
    for key in ("name_card", "service", "help"):
        text = one(getattr(rules, key))
        if text:
            blocks.append(f"{headings[key]}\n{text}")
    for key in ("never", "can"):
        items = [one(item) for item in getattr(rules, key)]
        if items:
            numbered = "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
            blocks.append(f"{headings[key]}\n{numbered}")
    penalty = one(rules.penalty)
    if penalty:
        blocks.append(f"{headings['penalty']}\n{penalty}")
    return tidy("\n\n".join(blocks)) if len(blocks) > 1 else ""


def welcome_text(job: Job) -> str:
    return tidy(render(job.playbook.welcome, job.values, job.group))


def welcome_txt(job: Job) -> bytes:
    """The welcome message followed by the rules: what a new member sees first."""
    parts = [welcome_text(job), rules_text(job)]
    return tidy("\n\n".join(p for p in parts if p)).encode("utf-8")


def rules_txt(job: Job) -> bytes:
    return rules_text(job).encode("utf-8")


def faq_blocks(job: Job) -> list[tuple[str, str]]:
    return [(render(answer.q, job.values, job.group).strip(), render(answer.a, job.values, job.group).strip())
            for answer in job.playbook.faq]


def faq_txt(job: Job) -> bytes:
    """One block per quick reply: the question, then the answer to paste."""
    labels = job.labels()
    colon = "：" if job.lang == "zh" else ": "
    blocks = [f"{labels['faq_q']}{colon}{q}\n{labels['faq_a']}{colon}{a}" for q, a in faq_blocks(job)]
    return tidy("\n\n".join(blocks)).encode("utf-8")

