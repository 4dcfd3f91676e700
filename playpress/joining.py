"""How a group is joined: which QR image is valid on a date, the join page's address and files,
and the code a poster or the handbook cover shows. Functions of the model only: no files, no
clock (the join page's script picks "today" on the phone)."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass

from .model import Group, Poster, QrImage, Site

JOIN_DIR = "join"
# what WeChat puts in a group's QR code (a contact card is u.wechat.com, a WeCom code work.weixin)
WECHAT_GROUP_LINK = re.compile(r"^https://weixin\.qq\.com/g/\S+$")
DAY = dt.timedelta(days=1)


def has_join_page(group: Group) -> bool:
    """A group with any way to join gets dist/join/GROUP/index.html."""
    return bool(group.qr_images or group.join_fallback or group.join_url)


def join_page_path(group: Group) -> str:
    return f"{JOIN_DIR}/{group.slug}/index.html"


def join_page_url(site: Site, group: Group) -> str:
    """BASE_URL/join/GROUP/ ('' without base_url): what `qr: live` encodes."""
    if not site.base_url or not has_join_page(group):
        return ""
    return f"{site.base_url.rstrip('/')}/{JOIN_DIR}/{group.slug}/"


def valid_from(group: Group, index: int) -> dt.date:
    """The first day of qr_images[index]: the day after the previous entry's until (the first
    entry: the group's start)."""
    previous = group.qr_images[index - 1].until if index else None
    return previous + DAY if previous is not None else group.start


def image_on(group: Group, date: dt.date) -> QrImage | None:
    """The QR image valid on a date in the group's time zone (None once all have expired): what a
    poster made for that date (posters/ID/DATE.png) carries. Before the group's start it is the
    first, as on the join page."""
    for image in group.qr_images:
        if image.until is None or image.until >= date:
            return image
    return None


def uncovered(group: Group) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the group's span that no qr_images entry covers (entries follow
    each other, so only the days after the last `until` can be left)."""
    if not group.qr_images:
        return None
    last = group.qr_images[-1].until
    if last is None or last >= group.end:
        return None
    return max(last + DAY, group.start), group.end


def page_images(group: Group) -> list[tuple[str, str]]:
    """The images the join page shows, copied beside it: (file name in join/GROUP/, asset path),
    each file once, names made distinct."""
    sources = [image.file for image in group.qr_images]
    if group.join_fallback is not None:
        sources.append(group.join_fallback.image)
    names: dict[str, str] = {}
    taken = {"index.html"}
    for source in sources:
        if source in names:
            continue
        stem, ext = posixpath.splitext(posixpath.basename(source))
        name, n = stem + ext, 2
        while name.lower() in taken:
            name, n = f"{stem}-{n}{ext}", n + 1
        taken.add(name.lower())
        names[source] = name
    return [(name, source) for source, name in names.items()]


@dataclass(frozen=True)
class Code:
    """What a QR box shows: a link drawn as a generated code, or a given image placed as is."""

    link: str = ""
    image: str = ""  # an asset path
    until: dt.date | None = None  # the image's last valid day, printed under it
    caption: str = ""  # the fallback's words, printed under its image


def default_code(
    site: Site, group: Group, for_print: bool, on: dt.date | None = None
) -> Code | None:
    """The code of a poster that gives no `qr:` text, and of the handbook cover (for_print).

    A poster made for a date carries the image valid that day. Otherwise a printed card, which
    outlasts any one export, points at the join page when there is one online; a phone poster,
    remade whenever the operator adds this week's export, carries the newest image. Without
    images: the stable join_url, else the fallback's code. None: nothing to encode."""
    images = group.qr_images
    live = join_page_url(site, group) if images else ""
    if images:
        newest = images[-1] if on is None else image_on(group, on)
        if on is None and for_print and live:
            return Code(link=live)
        if newest is not None:
            return Code(image=newest.file, until=newest.until)
        if live:  # a date after every image: the page shows whatever comes next
            return Code(link=live)
    if group.join_url:
        return Code(link=group.join_url)
    if group.join_fallback is not None:
        return Code(image=group.join_fallback.image, caption=group.join_fallback.text)
    return None


def poster_code(site: Site, group: Group, poster: Poster, on: dt.date | None = None) -> Code | None:
    """The code of one poster (made for the date `on`, if given); None when the poster's own `qr`
    text is to be rendered, or the poster has no code."""
    if not poster.has_qr:
        return None
    if poster.qr_live:
        return Code(link=join_page_url(site, group))
    if poster.qr is not None:
        return None
    return default_code(site, group, poster.for_print, on)
