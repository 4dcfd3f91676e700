"""content/people.yml: the staff, one entry per person, and a group's `people` resolved to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..diagnostics import Report, did_you_mean
from ..model import Group, Person
from .fields import Section

PEOPLE_FILE = "content/people.yml"
PERSON_KEYS = ("id", "name", "wecom", "phone")
# What the format calls "shaped like an id": a `people` value of this shape must be in people.yml.
PERSON_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_ID = 64


def people_from(data: Any, path: str, report: Report) -> dict[str, Person]:
    """The people of content/people.yml by id; every problem at its line."""
    if data is None:
        return {}
    if not isinstance(data, list):
        report.error(
            path,
            getattr(data, "line", 1) or 1,
            "content/people.yml should be a list of people",
            "write one '- {id: xiaoli, name: 李小雨}' per person",
        )
        return {}
    people: dict[str, Person] = {}
    lines: dict[str, int] = {}
    holder = Section(report, path, {"people": data}, "", ("people",))
    for name, line, item in holder.items("people"):
        p = Section(report, path, item, name, PERSON_KEYS, line)
        if not p.ok:
            continue
        ident = p.text("id", required=True)
        person_name = p.text("name", required=True)
        if ident and (not PERSON_ID.match(ident) or len(ident) > MAX_ID):
            p.error(
                "id",
                f"person id '{ident}' is not an id",
                "use lowercase letters a-z, digits, '-' and '_' (it names the folder "
                "dist/people/ID/), e.g. xiaoli",
            )
            continue
        if ident in people:
            p.error(
                "id",
                f"duplicate person id '{ident}' (first at line {lines[ident]})",
                "give each person their own id",
            )
            continue
        if ident and person_name:
            people[ident] = Person(
                ident, person_name, p.text("wecom"), p.text("phone"), path, p.line_of("id")
            )
            lines[ident] = p.line_of("id")
    return people


def resolve_people(
    group: Group, people: Mapping[str, Person], listed: bool, report: Report
) -> tuple[dict[str, str], dict[str, str]] | None:
    """The group's people with their ids resolved to names, and the ids by role (None when
    nothing is resolved).

    A value that is a person id names that person; with a people.yml (`listed`), a value shaped
    like an id that the file lacks is an error; any other value stays a plain name.
    """
    if not group.people or not listed:
        return None
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    for role, value in group.people.items():
        person = people.get(value)
        if person is not None:
            names[role], ids[role] = person.name, value
            continue
        names[role] = value
        path, line, col = group.people_at.get(role, (group.path, group.line_of("people"), 0))
        sheet = f" in sheet {group.sheet}" if group.sheet and path == group.path else ""
        if PERSON_ID.match(value):
            report.error(
                path,
                line,
                f"unknown person '{value}' as people.{role}{sheet}: not an id in {PEOPLE_FILE}",
                _hint(value, people),
                col=col,
            )
        else:
            named = [p.id for p in people.values() if p.name == value]
            if named:
                report.warning(
                    path,
                    line,
                    f"people.{role} '{value}'{sheet} is the name of person '{named[0]}' in "
                    f"{PEOPLE_FILE}, written as a plain name",
                    f"write the id '{named[0]}' to put the group on their run sheet and calendar",
                    col=col,
                )
    return names, ids


def _hint(value: str, people: Mapping[str, Person]) -> str:
    close = did_you_mean(value, people) if people else ""
    if close.startswith("did you mean"):
        return close
    return f"add '- {{id: {value}, name: NAME}}' to {PEOPLE_FILE}, or write the person's name"
