"""dist/index.html: every group (searchable, filtered by playbook, tag and person), the people's
run sheets, the tags, the days and the playbooks; links that resolve when dist/ is hosted as is."""

from __future__ import annotations

from typing import Any

from .job import Job
from .staff import group_card, href
from .webfont import with_webfont

SHOWN_GROUPS = 12  # a playbook's card names this many of its groups, then counts the rest


def index_html(job: Job) -> bytes:
    """The overview page, in the site's language, made with the theme's index.html."""
    project = job.project
    labels = job.labels(project.site.lang)
    job.reads.add("listing:groups")
    job.reads.add("listing:playbooks")
    groups = [group_card(job, project.groups[slug], "") for slug in sorted(project.groups)]
    playbooks = []
    for slug in sorted(project.playbooks):
        playbook = project.playbooks[slug]
        job.reads.add(playbook.path)
        used_by = [g for g in groups if g["playbook"].slug == slug]
        playbooks.append(
            {
                "playbook": playbook,
                "used_by": used_by[:SHOWN_GROUPS],
                "more": max(0, len(used_by) - SHOWN_GROUPS),
                "count": len(used_by),
                "type_label": labels["types"].get(playbook.type, playbook.type),
                "model_label": labels["models"].get(playbook.model, playbook.model)
                if playbook.model
                else "",
            }
        )
    tags: dict[str, int] = {}
    for group in project.groups.values():
        for tag in group.tags:
            tags[tag] = tags.get(tag, 0) + 1
    people: list[dict[str, Any]] = []
    for ident in sorted(project.people):
        person = project.people[ident]
        job.reads.add(f"person-name:{ident}")
        job.reads.add(f"people-of:{ident}")
        count = sum(1 for g in project.groups.values() if ident in g.people_ids.values())
        people.append(
            {
                "id": ident,
                "name": person.name,
                "href": f"people/{href(ident)}/index.html",
                "groups": count,
            }
        )
    html = job.theme.render(
        "index.html",
        job.reads,
        site=project.site,
        labels=labels,
        groups=groups,
        playbooks=playbooks,
        tags=[
            {"name": t, "count": tags[t], "href": f"tags/{href(t)}/index.html"}
            for t in sorted(tags)
        ],
        people=people,
        lang=project.site.lang,
    )
    return with_webfont(job, html).encode("utf-8")
