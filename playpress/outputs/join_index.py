"""join/index.html: every group's join page, for a shop's or a school's page of its groups."""

from __future__ import annotations

from ..joining import has_join_page
from .job import Job


def join_index_html(job: Job) -> bytes:
    """The list, in the site's language, made with the theme's join_index.html."""
    project = job.project
    labels = job.labels(project.site.lang)
    job.reads.add("listing:groups")
    groups = []
    for slug in sorted(project.groups):
        group = project.groups[slug]
        job.shows(group)
        if has_join_page(group):
            groups.append({"name": group.name, "href": f"{slug}/index.html", "lang": group.lang})
    html = job.theme.render(
        "join_index.html",
        job.reads,
        lang=project.site.lang,
        site=project.site,
        labels=labels,
        groups=groups,
    )
    return html.encode("utf-8")
