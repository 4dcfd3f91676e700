"""Texts to paste into the chat: welcome.txt, rules.txt and faq.txt."""

from __future__ import annotations

from .job import Job
from .words import colon, faq_blocks, rules_sections, tidy, welcome_text


def rules_text(job: Job) -> str:
    """The rules under their title, each aspect headed in the group's language."""
    sections = rules_sections(job)
    if not sections:
        return ""
    blocks = [job.labels()["rules_title"], *(f"{heading}\n{text}" for heading, text in sections)]
    return tidy("\n\n".join(blocks))


def welcome_txt(job: Job) -> bytes:
    """The welcome message followed by the rules: what a new member sees first."""
    parts = [welcome_text(job), rules_text(job)]
    return tidy("\n\n".join(p for p in parts if p)).encode("utf-8")


def rules_txt(job: Job) -> bytes:
    return rules_text(job).encode("utf-8")


def faq_txt(job: Job) -> bytes:
    """One block per quick reply: the question, then the answer to paste."""
    labels = job.labels()
    sep = colon(job.lang)
    blocks = [f"{labels['faq_q']}{sep}{q}\n{labels['faq_a']}{sep}{a}" for q, a in faq_blocks(job)]
    return tidy("\n\n".join(blocks)).encode("utf-8")
