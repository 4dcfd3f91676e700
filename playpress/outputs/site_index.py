"""dist/index.html: every group and playbook, linking to each group's files."""

from __future__ import annotations

from typing import Any

from .job import Job, Output
from .kinds import BY_NAME, group_outputs


def index_html(job: Job) -> bytes:
    """The overview page, in the site's language, made with the theme's index.html."""
    project = job.project
    labels = job.labels(project.site.lang)
    job.reads.add("listing:groups")
    job.reads.add("listing:playbooks")
    groups: list[dict[str, Any]] = []
    for slug in sorted(project.groups):
        group = project.groups[slug]
        playbook = project.playbook_of(group)
        job.reads.update({group.path, playbook.path})
        outputs: list[Output] = group_outputs(project, group)
        files = [
            {"label": labels.get(BY_NAME[o.kind].label, o.kind), "href": o.path}
            for o in outputs
            if BY_NAME[o.kind].label and not o.poster
        ]
        posters = []  # one link per poster (the first of a poster made per occurrence)
        for o in outputs:
            if o.kind == "poster" and all(p["label"] != o.poster for p in posters):
                posters.append({"label": o.poster, "href": o.path})
        groups.append(
            {
                "slug": slug,
                "name": group.name,
                "playbook": playbook,
                "start": group.start,
                "end": group.end,
                "days": group.days,
                "lang": group.lang,
                "timezone": group.timezone,
                "people": dict(group.people),
                "files": files,
                "posters": posters,
                "color": group.brand.color,
            }
        )
    playbooks = []
    for slug in sorted(project.playbooks):
        playbook = project.playbooks[slug]
        job.reads.add(playbook.path)
        used_by = [g for g in groups if g["playbook"].slug == slug]
        playbooks.append(
            {
                "playbook": playbook,
                "used_by": used_by,
                "type_label": labels["types"].get(playbook.type, playbook.type),
                "model_label": labels["models"].get(playbook.model, playbook.model)
                if playbook.model
                else "",
            }
        )
    html = job.theme.render(
        "index.html",
        job.reads,
        site=project.site,
        labels=labels,
        groups=groups,
        playbooks=playbooks,
        lang=project.site.lang,
    )
    return html.encode("utf-8")
