"""people/ID/index.html: one person's run sheet across all their groups, day by day then time."""

from __future__ import annotations

from typing import Any

from .job import Job
from .staff import Duty, Send, by_date, duties_of, groups_of, href, person_shown, roles_of, up
from .webfont import with_webfont

# A duty for more groups than this lists their names folded and shows one poster (an assistant
# in 100 groups would otherwise have a run sheet of many megabytes).
INLINE_GROUPS = 12


def person_html(job: Job) -> bytes:
    """The run sheet: each day's posts and prep tasks, copy with a copy button, posters."""
    project = job.project
    person = project.people[job.output.item]
    person_shown(job, person)
    lang = project.site.lang
    labels = job.labels(lang)
    back = up(job.output)
    groups = groups_of(project, person.id)
    duties = duties_of(job, person.id)
    counter = iter(range(1, 1_000_000))
    lists = GroupLists(len(groups))
    days = [
        {
            "date": date,
            "weekday": labels["weekdays"][date.weekday()],
            "weekend": date.weekday() >= 5,
            "duties": [duty_view(d, labels, back, counter, lists) for d in items],
        }
        for date, items in by_date(duties)
    ]
    mine = [
        {
            "name": group.name,
            "href": f"{back}{href(group.slug)}/index.html",
            "roles": sorted(
                (project.playbook_of(group).role(role) or _Role(role)).title
                for role in roles_of(group, person.id)
            ),
        }
        for group in groups
    ]
    html = job.theme.render(
        "person.html",
        job.reads,
        lang=lang,
        labels=labels,
        site=project.site,
        person=person,
        groups=mine,
        days=days,
        count=len(duties),
        up=back,
    )
    return with_webfont(job, html).encode("utf-8")


class _Role:
    def __init__(self, title: str) -> None:
        self.title = title


class GroupLists:
    """Long lists of groups are written once on a page: a duty for the same 300 groups as an
    earlier one links to that list (an assistant's run sheet would otherwise repeat them at every
    post of every day), and one for all of the person's groups links to "my groups"."""

    def __init__(self, everyone: int) -> None:
        self.everyone = everyone  # how many groups the person has
        self.first: dict[tuple[str, ...], str] = {}

    def shown(self, sends: list[Send], labels: dict[str, Any], back: str) -> dict[str, Any]:
        view: dict[str, Any] = {
            "count": len(sends),
            "names": [],
            "anchor": "",
            "link": "",
            "all": False,
        }
        if len(sends) <= INLINE_GROUPS:
            view["names"] = [
                {"name": s.group.name, "href": f"{back}{href(s.group.slug)}/index.html"}
                for s in sends
            ]
            return view
        if len(sends) == self.everyone:  # a duty's groups are each once among the person's
            view["link"], view["all"] = "#my-groups", True
            return view
        slugs = tuple(s.group.slug for s in sends)
        if slugs in self.first:
            view["link"] = f"#{self.first[slugs]}"
        else:
            view["anchor"] = self.first[slugs] = f"groups-{len(self.first) + 1}"
            view["names"] = [{"name": s.group.name, "href": ""} for s in sends]
        return view


def duty_view(
    duty: Duty, labels: dict[str, Any], back: str, counter: Any, lists: GroupLists
) -> dict[str, Any]:
    """What the run sheet shows of one duty."""
    sends = duty.sends
    many = len(sends) > INLINE_GROUPS
    prep_for = ""
    if duty.prepares is not None:
        prep_for = str(labels["prep_for"]).format(time=duty.prepares.time, post=duty.prepares.post)
    copies = []
    if duty.prep is None:
        several = len(duty.copies) > 1
        for text, with_text in duty.copies:
            if not text:
                continue
            copies.append(
                {
                    "id": f"copy-{next(counter)}",
                    "text": text,
                    "for": lists.shown(with_text, labels, back) if several else None,
                }
            )
    posters = [s for s in sends if s.poster] if duty.prep is None else []
    return {
        "time": duty.time,
        "kind": duty.kind,
        "kind_label": labels["prep"]
        if duty.prep is not None
        else labels["kinds"].get(duty.kind, duty.kind),
        "post": duty.post,
        "mass": duty.prep is None and duty.send == "mass",
        "prep_for": prep_for,
        "groups": lists.shown(sends, labels, back),
        "copies": copies,
        "posters": [
            {"src": f"{back}{href(s.poster)}", "name": s.group.name}
            for s in (posters[:1] if many else posters)
        ],
        "own_posters": many and len(posters) > 1,
        "note": duty.slot.note if duty.prep is None else "",
    }
