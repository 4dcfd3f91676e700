"""A group's ways to join: `qr_images` (or the version-1 `qr_image`) and `join_fallback`, read
and checked (date order, files that exist); what the files hold is read in checks.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..model import JoinFallback, QrImage
from .fields import Section, check_path

QR_IMAGE_KEYS = ("file", "until")
FALLBACK_KEYS = ("image", "text")


def join_keys_from(
    s: Section, root: Path, qr_image: str, qr_expires: dt.date | None
) -> tuple[tuple[QrImage, ...], JoinFallback | None]:
    """The group's QR images in date order (the version-1 `qr_image` as a list of one) and its
    fallback; every mistake reported at its line."""
    images = qr_images_from(s, root)
    if s.has("qr_images") and s.has("qr_image"):
        s.error(
            "qr_images",
            "give either 'qr_images' or 'qr_image', not both",
            "move the qr_image into qr_images as {file: ..., until: ...}",
        )
    elif qr_image:
        images = (QrImage(qr_image, qr_expires, s.line_of("qr_image")),)
    return images, fallback_from(s, root)


def qr_images_from(s: Section, root: Path) -> tuple[QrImage, ...]:
    entries = s.items("qr_images")
    images: list[QrImage] = []
    for index, (name, line, item) in enumerate(entries):
        e = Section(s.report, s.path, item, name, QR_IMAGE_KEYS, line)
        if not e.ok:
            continue
        file = e.text("file", required=True)
        if file:
            file = check_path(root, file, s.report, s.path, e.line_of("file"), f"{name}.file")
        until = e.date("until")
        if until is None and not e.has("until") and index < len(entries) - 1:
            s.report.error(
                s.path,
                line,
                f"'{name}' has no 'until'",
                "give the last day it works, the date WeChat prints under the code, 7 days "
                "after the export; only the last entry may go without",
            )
        if images and until is not None and images[-1].until is not None:
            previous, before = images[-1].until, f"{s.name('qr_images')}[{index - 1}]"
            if until == previous:
                s.report.error(
                    s.path,
                    line,
                    f"'{name}' overlaps '{before}': both are valid until {until}",
                    "each entry is valid from the day after the previous one's until: remove "
                    "one or correct its date",
                )
            elif until < previous:
                s.report.error(
                    s.path,
                    line,
                    f"'{name}' (until {until}) comes after '{before}' (until {previous}): "
                    "entries are out of date order",
                    "list the exports oldest first, each valid until a later date",
                )
        if file:
            images.append(QrImage(file, until, line))
    return tuple(images)


def fallback_from(s: Section, root: Path) -> JoinFallback | None:
    if not s.has("join_fallback"):
        return None
    f = s.section("join_fallback", FALLBACK_KEYS)
    if not f.ok:
        return None
    image = f.text("image", required=True)
    if image:
        image = check_path(root, image, s.report, s.path, f.line_of("image"), "join_fallback.image")
    return JoinFallback(image, f.text("text"), s.line_of("join_fallback")) if image else None
