"""GROUP/index.html: the group's home: its files, its people, and today's and the next days' posts
(today is the reader's, picked by a few lines of script: the page is the same bytes every day)."""

from __future__ import annotations

from typing import Any

from ..model import Poster
from ..templates import per_occurrence, render
from .job import PDF, Job
from .kinds import BY_NAME, group_outputs
from .posts import calendar_days, entries
from .staff import group_card, href, up
from .webfont import with_webfont


def group_files(
    job: Job, titles: dict[str, str] | None = None
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The group's outputs with their labels (links from its folder), and its posters, each
    named by its title; a poster made per occurrence once, by its first file (`titles`: each
    such file's title, by its path in dist/; the posts below show the others). A build without
    PDFs does not link to them."""
    labels = job.labels()
    pdf = job.makes_pdf()
    files, posters = [], []
    listed: set[str] = set()
    for output in group_outputs(job.project, job.group):
        kind = BY_NAME[output.kind]
        folder, _, name = output.path.partition("/")
        # the group's own files sit beside this page; its join page lives in join/
        link = href(name) if folder == job.group.slug else up(job.output) + href(output.path)
        if output.kind == "poster":
            poster = job.playbook.poster(output.item)
            if output.item in listed:
                continue
            listed.add(output.item)
            label = (titles or {}).get(output.path) or (
                poster_label(job, poster) if poster else output.item
            )
            posters.append(
                {
                    "href": link,
                    "label": label,
                    "size": poster.size_name if poster else "",
                }
            )
        elif kind.label and (kind.stage != PDF or pdf):
            files.append({"href": link, "label": labels.get(kind.label, output.kind)})
    return files, posters


def poster_label(job: Job, poster: Poster) -> str:
    """A poster's link text: its title as printed, or its id when the title differs from one
    occurrence to the next (each has its own file) or is empty."""
    if poster.title is None or per_occurrence(poster.title):
        return poster.id
    return render(poster.title, job.values, job.group).strip() or poster.id


def home_html(job: Job) -> bytes:
    group, playbook = job.group, job.playbook
    labels = job.labels()
    back = up(job.output)
    items = entries(job)
    titles = {f"{group.slug}/{e.poster}": e.poster_title for e in items if e.poster}
    files, posters = group_files(job, titles)
    counter = iter(range(1, 1_000_000))
    days: list[dict[str, Any]] = calendar_days(job, items)
    for day in days:
        day["posts"] = [
            {
                "entry": e,
                "kind_label": labels["kinds"].get(e.kind, e.kind),
                "copy_id": f"copy-{next(counter)}" if e.copy else "",
            }
            for e in day["entries"]
        ]
    html = job.theme.render(
        "group_home.html",
        job.reads,
        lang=group.lang,
        labels=labels,
        site=job.project.site,
        group=group,
        playbook=playbook,
        card=group_card(job, group, back),
        files=files,
        posters=posters,
        days=days,
        up=back,
    )
    return with_webfont(job, html).encode("utf-8")
