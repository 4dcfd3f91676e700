"""days/index.html and days/DATE.html: the whole project by date, every post of every group on
that date by time, then person; printable on A4."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .job import Job
from .staff import date_index, entries_on, groups_on, href, up
from .webfont import with_webfont

INLINE_GROUPS = 12  # more groups on one line are listed folded (see person_page)


def day_html(job: Job) -> bytes:
    """One date: by time, then person (id and name, or the plain name, or unassigned)."""
    project = job.project
    date = dt.date.fromisoformat(job.output.item)
    job.reads.add(f"groups-on:{date}")
    lang = project.site.lang
    labels = job.labels(lang)
    back = up(job.output)
    times: dict[str, dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]]] = {}
    posts = 0
    busy: set[str] = set()
    for group in groups_on(project, date):
        playbook = project.playbook_of(group)
        for entry in entries_on(job, group, date):
            posts += 1
            busy.add(group.slug)
            owner = entry.slot.owner
            ident, name = group.people_ids.get(owner, ""), group.people.get(owner, "")
            person = (ident, name or str(labels["unassigned"]))
            line = times.setdefault(entry.time, {}).setdefault(person, {})
            role = playbook.role(owner)
            row = line.setdefault(
                (entry.post, entry.kind),
                {
                    "post": entry.post,
                    "kind": entry.kind,
                    "kind_label": labels["kinds"].get(entry.kind, entry.kind),
                    "mass": entry.slot.send == "mass",
                    "roles": [],
                    "groups": [],
                },
            )
            title = role.title if role else owner
            if title not in row["roles"]:
                row["roles"].append(title)
            row["groups"].append(
                {"name": group.name, "href": f"{back}{href(group.slug)}/index.html"}
            )
    rows = []
    for time in sorted(times):
        people = []
        for (ident, name), found in sorted(times[time].items(), key=lambda item: item[0][1]):
            people.append(
                {
                    "name": name,
                    "href": f"{back}people/{href(ident)}/index.html" if ident else "",
                    "posts": [
                        dict(row, many=len(row["groups"]) > INLINE_GROUPS) for row in found.values()
                    ],
                }
            )
        rows.append({"time": time, "people": people})
    html = job.theme.render(
        "day.html",
        job.reads,
        lang=lang,
        labels=labels,
        site=project.site,
        date=date,
        weekday=labels["weekdays"][date.weekday()],
        times=rows,
        posts=posts,
        groups=len(busy),
        up=back,
        previous=_neighbour(job, date, -1),
        following=_neighbour(job, date, 1),
    )
    return with_webfont(job, html).encode("utf-8")


def _neighbour(job: Job, date: dt.date, step: int) -> str:
    """The link to the day before or after, when the project has a page for it."""
    other = date + dt.timedelta(days=step)
    return (
        f"{other}.html"
        if any(g.start <= other <= g.end for g in job.project.groups.values())
        else ""
    )


def days_index_html(job: Job) -> bytes:
    """Every date of the project with its number of posts and of groups posting."""
    from .kinds import project_dates

    project = job.project
    job.reads.add("listing:groups")
    lang = project.site.lang
    labels = job.labels(lang)
    dates = [dt.date.fromisoformat(d) for d in project_dates(project)]
    counts: dict[dt.date, list[int]] = {date: [0, 0] for date in dates}
    for slug in sorted(project.groups):
        for date, found in date_index(job, project.groups[slug]).items():
            counts[date][0] += len(found)
            counts[date][1] += 1
    months: dict[str, list[dict[str, Any]]] = {}
    for date in dates:
        months.setdefault(f"{date:%Y-%m}", []).append(
            {
                "date": date,
                "weekday": labels["weekdays"][date.weekday()],
                "weekend": date.weekday() >= 5,
                "posts": counts[date][0],
                "groups": counts[date][1],
            }
        )
    html = job.theme.render(
        "days.html",
        job.reads,
        lang=lang,
        labels=labels,
        site=project.site,
        months=months,
        up=up(job.output),
    )
    return with_webfont(job, html).encode("utf-8")
