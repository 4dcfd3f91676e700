"""sop.html: the SOP as a printable page, day by day, with phases, owners and the full copy."""

from __future__ import annotations

from .job import Job
from .posts import calendar_days, day_chart, entries
from .webfont import with_webfont
from .words import colon, people


def sop_html(job: Job) -> bytes:
    """The SOP as a printable page: by day, phases as bands, copy in full; fits A4 portrait."""
    group, playbook = job.group, job.playbook
    labels = job.labels()
    items = entries(job)
    html = job.theme.render(
        "sop.html",
        job.reads,
        lang=group.lang,
        labels=labels,
        colon=colon(group.lang),
        group=group,
        playbook=playbook,
        site=job.project.site,
        days=calendar_days(job, items),
        count=len(items),
        people=people(job),
        kinds=sorted({e.slot.kind for e in items}),
        chart=day_chart(job, items) if items else "",
    )
    return with_webfont(job, html).encode("utf-8")
