"""join/GROUP/index.html, the group's live join page, and the images copied beside it.

The page lists every QR image with its dates and the fallback; a few lines of script on the
phone keep only the image valid today (or the fallback once all have expired). Its bytes depend
on the project only, never on the day it was built; it loads nothing but its own images.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import quote

from PIL import Image

from ..joining import page_images, valid_from
from ..media import qr
from .job import Job
from .words import colon


def join_html(job: Job) -> bytes:
    """The page, in the group's language, made with the theme's join.html."""
    group, labels = job.group, job.labels()
    names = dict((source, name) for name, source in page_images(group))
    codes = []
    for index, image in enumerate(group.qr_images):
        start = valid_from(group, index)
        codes.append(
            {
                **picture(job, image.file, names[image.file]),
                "until": image.until.isoformat() if image.until else "",
                "until_text": long_date(labels, image.until) if image.until else "",
                "dates": dates_text(labels, start, image.until),
            }
        )
    fallback = group.join_fallback
    html = job.theme.render(
        "join.html",
        job.reads,
        lang=group.lang,
        labels=labels,
        colon=colon(group.lang),
        group=group,
        codes=codes,
        fallback={**picture(job, fallback.image, names[fallback.image]), "text": fallback.text}
        if fallback is not None
        else None,
        link=group.join_url,
        link_code=qr.svg_data_uri(group.join_url) if group.join_url else "",
    )
    return html.encode("utf-8")


def join_image(job: Job) -> bytes:
    """One image of the page, copied as it is (a phone's WeChat reads the export it knows)."""
    name = job.output.path.rsplit("/", 1)[-1]
    source = next(s for n, s in page_images(job.group) if n == name)
    return job.asset(source).read_bytes()


def picture(job: Job, source: str, name: str) -> dict[str, Any]:
    """An image's address beside the page and its size (so the page does not jump as it loads).

    The address carries a hash of the bytes: WeChat's browser keeps images a long time, and a new
    export saved under an old name must not show the old code."""
    path = job.asset(source)
    data = path.read_bytes()
    with Image.open(path) as image:
        width, height = image.size
    version = hashlib.blake2b(data, digest_size=4).hexdigest()
    return {"src": f"{quote(name)}?v={version}", "width": width, "height": height}


def long_date(labels: dict[str, Any], date: dt.date) -> str:
    """A date as posters print it (2026年12月20日, 20 Dec 2026, 20 dic 2026)."""
    months = labels.get("poster_months") or [str(m) for m in range(1, 13)]
    return str(labels["poster_date"]).format(
        y=date.year, m=date.month, d=date.day, month=months[date.month - 1]
    )


def dates_text(labels: dict[str, Any], start: dt.date, until: dt.date | None) -> str:
    """'from START to UNTIL' (or 'from START') for the page without script."""
    if until is None:
        return str(labels["join_from"]).format(start=long_date(labels, start))
    return str(labels["join_dates"]).format(
        start=long_date(labels, start), until=long_date(labels, until)
    )
