"""Posters: each poster of a group's playbook drawn with Pillow from a theme layout, QR included,
as PNG."""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
from typing import Any

from PIL import Image, ImageOps

from ..diagnostics import ERROR, WARNING, Diagnostic, UserError
from ..joining import poster_code
from ..media import qr
from ..media.draw import (
    INK,
    Rect,
    colour,
    cover,
    draw_shapes,
    draw_text,
    paint,
    paste_picture,
    short_side,
)
from ..media.fonts import DRAWN, DROPPED, EMOJI, FontChain, drawn
from ..media.png import encode_png
from ..media.qr import RGB, WHITE, rgb
from ..model import Poster
from ..schedule import group_expansion
from ..templates import PlanValues, occurrence_context, poster_per_occurrence, render
from .job import Job
from .posts import occurrence_posters, plan_input, read_calendars

# Pillow imports its image readers at the first Image.open: here instead, on import, which the
# build does once before it forks its workers (not once per worker, in its first poster).
Image.preinit()

WIDE_RATIO = 1.6  # posters this much wider than tall (cover) use the layout's `wide` boxes
# Posters less than this much taller than wide (square, portrait; not story) use the layout's
# `square` boxes: the story's boxes squeezed into them leave the QR too small for a phone's reader.
SQUARE_RATIO = 1.5
PRINT_QR_CM = 2.0  # a printed QR is at least this wide
TEXT_ELEMENTS = ("title", "subtitle", "lines", "cta")


def poster_png(job: Job, on: dt.date | None = None) -> bytes:
    """The poster named by the job's output, for the job's group; `on`: the date a poster made
    per occurrence is for (its QR is then the image valid that day, joining.image_on)."""
    poster = job.playbook.poster(job.output.poster)
    assert poster is not None, job.output
    chain = job.font_chain()
    values = poster_values(job, poster)
    texts = poster_texts(job, poster, chain, values)
    layout = poster_layout(job, poster)
    canvas = background(job, poster, layout)
    brand = job.group.brand
    palette = {
        "brand": rgb(brand.color),
        "accent": rgb(brand.accent),
        "ink": INK,
        "white": WHITE,
        "paper": WHITE,
    }
    draw_shapes(canvas, layout.get("shapes", []), palette)
    elements: dict[str, Any] = layout.get("elements", {})
    if poster.image is not None:
        if "image" in elements:
            draw_picture(canvas, job, poster, elements["image"], values, palette, chain)
        else:
            warn(job, poster, f"layout '{poster.layout}' has no place for 'image': it is left out")
    if "logo" in elements and brand.logo:
        draw_logo(canvas, job, elements["logo"], palette)
    if "qr" in elements and poster.has_qr:
        draw_qr(canvas, job, poster, elements["qr"], palette, chain, on)
    for name in TEXT_ELEMENTS:
        if not texts[name]:
            continue
        if name not in elements:
            warn(job, poster, f"layout '{poster.layout}' has no place for '{name}': it is left out")
            continue
        fitted = draw_text(canvas, texts[name], elements[name], palette, chain)
        if not fitted.fits:
            warn(
                job,
                poster,
                f"the {name} does not fit its box even at the smallest size: it is cut short",
                "shorten the text",
            )
    return encode_png(canvas, poster.dpi if poster.for_print else 0)


# --- inputs: layout, fonts, texts ---------------------------------------------------------------


def poster_layout(job: Job, poster: Poster) -> dict[str, Any]:
    """The theme's posters/LAYOUT.yml, with its `wide` boxes for posters much wider than tall, its
    `square` ones for posters not much taller than wide, then its `with_image` boxes for a poster
    with a photo and its `without_qr` ones for a poster with no code."""
    layout = job.theme.poster_layout(poster.layout, job.reads)
    if layout is None:
        raise UserError(
            Diagnostic(
                poster.path,
                poster.line,
                0,
                ERROR,
                f"poster '{poster.id}': layout '{poster.layout}' has no file "
                f"posters/{poster.layout}.yml in the theme",
                "add the layout file to the theme or pick another layout",
            )
        )
    if poster.width / poster.height >= WIDE_RATIO:
        layout = with_variant(layout, "wide")
    elif poster.height / poster.width < SQUARE_RATIO:
        layout = with_variant(layout, "square")
    # a shape's own `with_image` and `without_qr` (under `wide:` or `square:`) replace the tall
    # poster's
    if poster.image is not None:
        layout = with_variant(layout, "with_image")
    if not poster.has_qr:
        layout = with_variant(layout, "without_qr")
    return layout


def with_variant(layout: dict[str, Any], name: str) -> dict[str, Any]:
    """The layout with a variant's keys: `elements` merged element by element, others replaced."""
    variant = layout.get(name) or {}
    merged = {**layout, **variant}
    merged["elements"] = {**layout.get("elements", {}), **variant.get("elements", {})}
    return merged


def poster_values(job: Job, poster: Poster) -> dict[str, Any]:
    """What the poster's texts see: the group's values, and for a poster made per occurrence
    (posters/ID/DATE.png) the `occurrence` it is made for and its `plan`."""
    if not poster_per_occurrence(poster):
        return job.values
    group = job.group
    read_calendars(job)
    occurrences = group_expansion(job.project, group, job.session.expansions).occurrences
    files = occurrence_posters(job.project, group, occurrences)
    wanted = job.output.path.removeprefix(f"{group.slug}/")
    for occurrence in occurrences:
        key = (occurrence.slot.path, occurrence.slot.order, occurrence.date)
        if files.get(key) == wanted:
            job.reads.add(plan_input(group, occurrence))  # its row, not the whole sheet
            row = job.project.plans.row_for(group, occurrence)
            return occurrence_context(job.values, occurrence, job.labels()["weekdays"], row)
    raise AssertionError(f"no occurrence makes {job.output.path}")  # the plan made the path


def poster_texts(
    job: Job, poster: Poster, chain: FontChain, values: dict[str, Any] | None = None
) -> dict[str, list[str]]:
    """Each text element as paragraphs, every character checked against the fonts.

    A character no font has is an error, except emoji: they are left out with a warning, because
    no colour emoji font is used and a poster is still worth printing without them.
    """
    values, group = values if values is not None else job.values, job.group
    texts = {
        "title": [render(poster.title, values, group)],
        "subtitle": [render(poster.subtitle, values, group)],
        "lines": [render(line, values, group) for line in poster.lines],
        "cta": [render(poster.cta, values, group)],
    }
    missing_emoji: list[str] = []
    for name, paragraphs in texts.items():
        cleaned: list[str] = []
        for paragraph in paragraphs:
            kept = []
            for char in paragraph:
                fate = drawn(char, chain)
                if fate == DROPPED:
                    continue
                if fate == DRAWN:
                    kept.append(char)
                elif fate == EMOJI:
                    missing_emoji.append(char)
                else:
                    raise UserError(
                        Diagnostic(
                            poster.path,
                            poster.line,
                            0,
                            ERROR,
                            f"poster '{poster.id}' for group '{group.slug}': no font has the "
                            f"character '{char}' "
                            f"(U+{ord(char):04X}, {unicodedata.name(char, 'unnamed')}) in its "
                            f"{name}",
                            "remove the character, or name a font that has it in the theme's "
                            "theme.yml `fonts:`",
                        )
                    )
            cleaned += [part.strip() for part in "".join(kept).split("\n")]
        texts[name] = [p for p in cleaned if p]
    if missing_emoji:
        shown = " ".join(dict.fromkeys(missing_emoji))
        warn(
            job,
            poster,
            f"no font here draws the emoji {shown}: left out of the poster",
            "name an emoji font in the theme's theme.yml `fonts: {symbols: PATH}`, or remove them",
        )
    return texts


def warn(job: Job, poster: Poster, message: str, hint: str = "") -> None:
    job.warnings.append(
        Diagnostic(
            poster.path,
            poster.line,
            0,
            WARNING,
            f"poster '{poster.id}' for group '{job.group.slug}': {message}",
            hint,
        )
    )


def background(job: Job, poster: Poster, layout: dict[str, Any]) -> Image.Image:
    """The poster's background colour, or its image cropped to cover the poster, else the
    layout's."""
    size = (poster.width, poster.height)
    if poster.background and not poster.background.startswith("#"):
        with Image.open(job.asset(poster.background)) as image:
            return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)
    return Image.new("RGB", size, rgb(poster.background or layout.get("background", "#FFFFFF")))


PICTURE_SIDE = 2400  # pictures are kept this large at most: an A4 poster's image box, at 300 dpi
UNFILLED_TINT = (241, 243, 245)


def draw_picture(
    canvas: Image.Image,
    job: Job,
    poster: Poster,
    spec: dict[str, Any],
    values: dict[str, Any],
    palette: dict[str, RGB],
    chain: FontChain,
) -> None:
    """The poster's image cropped to fill the layout's image box; where a plan has no picture
    for this occurrence yet, the box shows the marker (【待填：图片】) instead."""
    assert poster.image is not None
    rect = Rect.of(spec["box"], canvas)
    radius = float(spec.get("radius", 0)) * short_side(canvas)
    text = render(poster.image, values, job.group).strip()
    plan = values.get("plan")
    if isinstance(plan, PlanValues) and plan.unfilled or not text:
        paint(canvas, rect, UNFILLED_TINT, radius=radius)
        marker = {"size": [0.05, 0.03], "color": "ink", "align": "center", "valign": "middle"}
        draw_text(canvas, [text or "?"], marker, palette, chain, rect)
        return
    focus = spec.get("focus", [0.5, 0.5])
    picture = fitted_picture(
        job, poster, text, (rect.w, rect.h), (float(focus[0]), float(focus[1]))
    )
    paste_picture(canvas, picture, rect, radius)


def fitted_picture(
    job: Job, poster: Poster, relpath: str, size: tuple[int, int], focus: tuple[float, float]
) -> Image.Image:
    """A project picture cropped to `size`: decoded once per version of the file in a session
    (however many posters place it), cropped once per size."""
    root = job.root.resolve()
    try:
        path = (root / relpath).resolve()
        path.relative_to(root)
        stat = os.stat(path)
    except (ValueError, OSError):
        raise UserError(
            Diagnostic(
                poster.path,
                poster.line,
                0,
                ERROR,
                f"poster '{poster.id}' for group '{job.group.slug}': its image '{relpath}' is not "
                "a file of the project",
                "name a picture under content/assets/, relative to the project root",
            )
        ) from None
    job.reads.add(str(path))
    key = (str(path), stat.st_mtime_ns, stat.st_size)

    def decoded() -> Image.Image:
        with Image.open(path) as image:
            image.draft("RGB", (PICTURE_SIDE, PICTURE_SIDE))  # JPEG: decode at a smaller scale
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                # a cut-out (a product on a transparent ground) goes on white, not black
                ground = Image.new("RGBA", upright.size, (255, 255, 255, 255))
                upright = Image.alpha_composite(ground, upright.convert("RGBA"))
            picture = upright.convert("RGB")
        picture.thumbnail((PICTURE_SIDE, PICTURE_SIDE), Image.Resampling.LANCZOS)
        return picture

    def cropped() -> Image.Image:
        try:
            picture = job.session.pictures.get_or_make(key, decoded)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise UserError(  # changed since the checks read it: said, never a traceback
                Diagnostic(
                    poster.path,
                    poster.line,
                    0,
                    ERROR,
                    f"poster '{poster.id}' for group '{job.group.slug}': its image '{relpath}' "
                    f"cannot be decoded ({exc})",
                    "use a PNG or JPEG picture (export it again from the app that made it)",
                )
            ) from None
        return cover(picture, size, focus)

    return job.session.images.get_or_make(("picture", *key, size, focus), cropped)  # type: ignore[no-any-return]


def draw_logo(canvas: Image.Image, job: Job, spec: dict[str, Any], palette: dict[str, RGB]) -> None:
    """The group's logo centred in its box, on a round plate so it stands out from a coloured
    band."""
    rect = Rect.of(spec["box"], canvas)
    side = min(rect.w, rect.h)
    left = rect.x
    top = rect.y + (rect.h - side) // 2
    inset = 0
    if spec.get("plate"):
        paint(canvas, Rect(left, top, side, side), colour(spec["plate"], palette), "ellipse")
        inset = round(side * 0.08)
    logo = logo_image(job, side - 2 * inset)
    canvas.paste(logo, (left + (side - logo.width) // 2, top + (side - logo.height) // 2), logo)


def logo_image(job: Job, side: int = 0) -> Image.Image:
    """The group's logo as RGBA, reduced to fit a square of `side` if given (shared: do not draw
    on it)."""
    path = str(job.asset(job.group.brand.logo))
    stat = os.stat(path)
    images = job.session.images

    def whole() -> Image.Image:
        with Image.open(path) as image:
            return image.convert("RGBA")

    logo = images.get_or_make(("logo", path, stat.st_mtime_ns, stat.st_size, 0), whole)
    if not side:
        return logo  # type: ignore[no-any-return]

    def reduced() -> Image.Image:
        small = logo.copy()
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
        return small

    # type: ignore[no-any-return]
    return images.get_or_make(("logo", path, stat.st_mtime_ns, stat.st_size, side), reduced)


def draw_qr(
    canvas: Image.Image,
    job: Job,
    poster: Poster,
    spec: dict[str, Any],
    palette: dict[str, RGB],
    chain: FontChain,
    on: dt.date | None = None,
) -> None:
    """The generated code, or a given QR image with its "valid until" (or the fallback's words)
    under it, in the QR box; see joining.poster_code for which."""
    group = job.group
    rect = Rect.of(spec["box"], canvas)
    found = poster_code(job.project.site, group, poster, on)
    given = found.image if found is not None else ""
    label = ""
    if found is not None and given:
        label = expiry_label(job, found.until) if found.until else found.caption
    label_size = round(short_side(canvas) * 0.03)
    label_room = round(label_size * 3.1) if label else 0  # two lines under the code, if need be
    side = min(rect.w, rect.h - label_room)
    min_side = math.ceil(PRINT_QR_CM / 2.54 * poster.dpi) if poster.for_print else 0
    if given:
        path = str(job.asset(given))
        reading = job.session.qr_reading(path)
        with Image.open(path) as image:
            code = qr.placed_image(qr.cut_out(image, reading), max(side, min_side))
    else:
        text = found.link if found is not None else render(poster.qr, job.values, group).strip()
        if not text:
            raise UserError(
                Diagnostic(
                    poster.path,
                    poster.line,
                    0,
                    ERROR,
                    f"poster '{poster.id}' for group '{group.slug}': its qr text is empty",
                    "give the QR a link, or write qr: false",
                )
            )
        logo = logo_image(job) if spec.get("logo") and group.brand.logo else None
        code = qr.code_image(text, side, qr.module_colour(palette["brand"]), logo, min_side)
    align = spec.get("align", "center")
    x = rect.x + {"left": 0, "right": rect.w - code.width}.get(align, (rect.w - code.width) // 2)
    y = rect.y + max(0, (rect.h - label_room - code.height) // 2)
    if spec.get("frame"):
        border = max(2, round(code.width * 0.012))
        frame = Rect(x - border, y - border, code.width + 2 * border, code.height + 2 * border)
        paint(canvas, frame, colour(spec["frame"], palette), radius=border * 3)
    canvas.paste(code, (x, y))
    if label:
        label_rect = Rect(
            rect.x, y + code.height + label_size // 3, rect.w, round(label_size * 2.7)
        )
        left = {"left": x, "right": x + code.width - rect.w}.get(align, rect.x)
        label_rect = Rect(left, label_rect.y, rect.w, label_rect.h)
        spec_label = {
            "size": [label_size / short_side(canvas)] * 2,
            "color": "ink",
            "align": align,
            "max_lines": 2,
            "line_height": 1.2,
        }
        draw_text(canvas, [label], spec_label, palette, chain, label_rect)


def expiry_label(job: Job, when: dt.date) -> str:
    """'valid until DATE' in the group's language."""
    labels = job.labels()
    months = labels.get("poster_months") or [str(m) for m in range(1, 13)]
    date = labels.get("poster_date", "{y}-{m:02d}-{d:02d}").format(
        y=when.year, m=when.month, d=when.day, month=months[when.month - 1]
    )
    return labels.get("poster_valid_until", "valid until {date}").format(date=date)
