"""tags/TAG/index.html: the groups with a tag, their people and their pages."""

from __future__ import annotations

from .job import Job
from .staff import group_card, up
from .webfont import with_webfont


def tag_html(job: Job) -> bytes:
    project = job.project
    tag = job.output.item
    job.reads.add(f"tagged:{tag}")
    lang = project.site.lang
    labels = job.labels(lang)
    back = up(job.output)
    cards = [
        group_card(job, project.groups[slug], back)
        for slug in sorted(project.groups)
        if tag in project.groups[slug].tags
    ]
    people: dict[str, dict[str, str]] = {}
    for card in cards:
        for person in card["people"]:  # type: ignore[attr-defined]
            if person["id"]:
                people.setdefault(person["id"], {"name": person["name"], "href": person["href"]})
    html = job.theme.render(
        "tag.html",
        job.reads,
        lang=lang,
        labels=labels,
        site=project.site,
        tag=tag,
        groups=cards,
        people=[people[key] for key in sorted(people)],
        up=back,
    )
    return with_webfont(job, html).encode("utf-8")
