"""Images a project gives (logos, backgrounds, QR exports, product photos): opened only if they
are real raster images of a sane size, decoded in full once so that a broken file is found before
anything is drawn."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

MAX_PIXELS = 50_000_000  # an A4 page at 300 dpi is 8.7 million; a 30000x30000 "bomb" is 900 million
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")


def image_problem(path: str, then: Callable[[Any], None] | None = None) -> str:
    """What is wrong with an image file ('' when it is a complete PNG, JPEG, GIF, WebP or BMP).

    `then(image)` is called with the decoded image when it is sound, so that a caller that reads
    the pixels (a QR reader) does not decode the file a second time."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open(path, "rb") as stream:
            head = stream.read(512)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        return "is an SVG drawing, not a picture Playpress can place"
    try:
        with warnings.catch_warnings(), Image.open(path) as image:
            # refused below, with our words
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if image.format not in FORMATS:
                return f"is a {image.format} file, not one of {', '.join(FORMATS)}"
            width, height = image.size
            if width * height > MAX_PIXELS:
                return (
                    f"is {width}x{height} pixels ({width * height / 1e6:.0f} million), more than "
                    f"{MAX_PIXELS // 1_000_000} million"
                )
            image.load()  # a truncated or corrupt file fails here, not halfway through a build
            if then is not None:
                then(image)
    except UnidentifiedImageError:
        size = os.path.getsize(path)
        return (
            "is not an image (empty file)"
            if size == 0
            else "is not an image (it may be text renamed)"
        )
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return f"cannot be decoded ({exc})"
    return ""
