"""scrm/sop-rules.xlsx: each playbook's slots in the terms of an SCRM console's 群SOP rules (微伴,
米多客, 微盛): rule name, groups, push type (a date, weekly, or a day counted from the group's
start), time, text, attachments, owner. One sheet per playbook.

A console's rule has one text for all its groups, so a slot whose text differs between groups
(it names the group's assistant, say) becomes one row per text, each with its groups.
"""

from __future__ import annotations

from typing import Any

from ..media.xlsx import Table, workbook_bytes
from ..model import Group, Playbook, Slot
from ..schedule import group_slots
from .job import Job
from .posts import facts_and_entries
from .staff import for_group

WEEKLY = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
COLUMNS = (
    "rule",
    "playbook",
    "slot",
    "groups",
    "group_count",
    "push",
    "dates",
    "time",
    "text",
    "attachments",
    "owner",
    "send",
)
WIDTHS = {"groups": 36, "dates": 28, "text": 48}


def push_of(slot: Slot, dates: list[str], labels: dict[str, Any], lang: str) -> tuple[str, str]:
    """The push type and its dates, weekdays or days, as a console asks for them."""
    words = labels["scrm"]
    when = slot.when
    joined = "、" if lang == "zh" else ", "
    if when.days in WEEKLY or when.days == "weekly":
        days = WEEKLY.get(when.days, when.weekdays)
        shown = (
            words["every_day"]
            if list(days) == list(range(7))
            else joined.join(labels["weekdays"][d] for d in days)
        )
        return words["push_weekly"], shown
    if when.days == "campaign":
        if when.first_day == when.last_day:
            return words["push_relative"], str(words["relative_day"]).format(n=when.first_day)
        return words["push_relative"], str(words["relative_days"]).format(
            first=when.first_day, last=when.last_day
        )
    return words["push_date"], "\n".join(dates)  # a date, holidays, monthly, named dates...


def rows_of(job: Job, playbook: Playbook, groups: list[Group]) -> list[list[Any]]:
    labels = job.labels(job.project.site.lang)
    lang = job.project.site.lang
    joined = "、" if lang == "zh" else ", "
    # slot (by where it is written) -> copy -> the groups sending it, their people, their dates
    found: dict[tuple[str, int], tuple[Slot, dict[str, dict[str, Any]]]] = {}
    for group in groups:
        facts, entries = facts_and_entries(for_group(job, group))
        dates: dict[tuple[str, int], list[str]] = {}
        for entry in entries:
            key = (entry.slot.path, entry.slot.order)
            dates.setdefault(key, []).append(entry.occurrence.date.isoformat())
        for slot in group_slots(playbook, group):
            key = (slot.path, slot.order)
            copy, role, person, _poster = facts[key]
            texts = found.setdefault(key, (slot, {}))[1]
            row = texts.setdefault(copy, {"groups": [], "people": [], "dates": set(), "role": role})
            row["groups"].append(group.name)
            if person and person not in row["people"]:
                row["people"].append(person)
            row["dates"].update(dates.get(key, ()))
    rows: list[list[Any]] = []
    for slot, texts in sorted(found.values(), key=lambda item: (item[0].order, item[0].path)):
        for number, (copy, row) in enumerate(texts.items(), start=1):
            push, when = push_of(slot, sorted(row["dates"]), labels, lang)
            name = f"{playbook.title}·{slot.post}" + (f" ({number})" if len(texts) > 1 else "")
            owner = row["role"] + (f"：{joined.join(row['people'])}" if row["people"] else "")
            rows.append(
                [
                    name,
                    playbook.title,
                    slot.id,
                    joined.join(row["groups"]),
                    len(row["groups"]),
                    push,
                    when,
                    f"{slot.when.time:%H:%M}",
                    copy or slot.post,
                    f"posters/{slot.poster}.png" if slot.poster else "",
                    owner,
                    labels["send_mass"] if slot.send == "mass" else labels["send_manual"],
                ]
            )
    return rows


def sop_rules_xlsx(job: Job) -> bytes:
    """One sheet per playbook used by a group, one row per slot (and text)."""
    project = job.project
    job.reads.add("listing:groups")
    words = job.labels(project.site.lang)["scrm"]
    tables = []
    for slug in sorted(project.playbooks):
        playbook = project.playbooks[slug]
        groups = [
            project.groups[g] for g in sorted(project.groups) if project.groups[g].playbook == slug
        ]
        if not groups:
            continue
        header = [str(words[column]) for column in COLUMNS]
        widths = {COLUMNS.index(column): width for column, width in WIDTHS.items()}
        tables.append(Table(playbook.title, header, rows_of(job, playbook, groups), widths))
    if not tables:
        tables.append(Table(str(words["rule"]), [str(words[c]) for c in COLUMNS], []))
    return workbook_bytes(tables, title=f"{project.site.title} · {words['rule']}")
