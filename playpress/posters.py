"""Posters: each poster of a group's playbook drawn with Pillow from a theme layout, QR included, as PNG."""

from __future__ import annotations

import math
import os
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw, ImageOps

from . import qr
from .diagnostics import ERROR, WARNING, Diagnostic, UserError
from .fonts import FONT_ROLES, FontChain, FontFace, chain_for, load, parse_face
from .model import Poster
from .plan import Job
from .qr import RGB, WHITE, contrast, rgb
from .reader import FAST_LOADER
from .templates import render
from .typeset import Box, Fitted, block_height, fit, fit_at_sizes

# Pillow imports its image readers at the first Image.open: here instead, on import, which the
# build does once before it forks its workers (not once per worker, in its first poster).
Image.preinit()

INK = (26, 26, 26)
READABLE = 3.0  # WCAG contrast for large text: a text colour below it on its background becomes ink or white
WIDE_RATIO = 1.6  # posters this much wider than tall (cover) use the layout's `wide` boxes
PRINT_QR_CM = 2.0  # a printed QR is at least this wide
# Speed first (bench/bench_posters.py compares encoders): zlib level 1 on unfiltered rows, with a
# hash table small enough to stay in the CPU cache (memory level 5 of 9: 15 % faster, no bigger).
PNG_COMPRESS_LEVEL = 1
PNG_MEMORY_LEVEL = 5
BAND_ROWS = 64
MEASURE_SIZE = 200  # pixel size at which character widths are measured, then scaled
SUPERSAMPLE = 4  # shapes are drawn this much larger and reduced, for smooth edges...
SUPERSAMPLE_PIXELS = 4_000_000  # ...up to this many pixels: big shapes have edges too long to show steps
TEXT_ELEMENTS = ("title", "subtitle", "lines", "cta")
# Invisible characters of emoji sequences (joiner, variation selectors, skin tones, tags): dropped.
INVISIBLE = frozenset([0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)])
EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x24FF), (0x25A0, 0x27BF),
                (0x2900, 0x297F), (0x2B00, 0x2BFF), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3299))


def poster_png(job: Job) -> bytes:
    """The poster named by the job's output, for the job's group."""
    poster = job.playbook.poster(job.output.poster)
    assert poster is not None, job.output
    chain = font_chain(job)
    texts = poster_texts(job, poster, chain)
    layout = poster_layout(job, poster)
    canvas = background(job, poster, layout)
    brand = job.group.brand
    palette = {"brand": rgb(brand.color), "accent": rgb(brand.accent), "ink": INK, "white": WHITE, "paper": WHITE}
    draw_shapes(canvas, layout.get("shapes", []), palette)
    elements: dict[str, Any] = layout.get("elements", {})
    if "logo" in elements and brand.logo:
        draw_logo(canvas, job, elements["logo"], palette)
    if "qr" in elements and poster.has_qr:
        draw_qr(canvas, job, poster, elements["qr"], palette, chain)
    for name in TEXT_ELEMENTS:
        if not texts[name]:
            continue
        if name not in elements:
            warn(job, poster, f"layout '{poster.layout}' has no place for '{name}': it is left out")
            continue
        fitted = draw_text(canvas, texts[name], elements[name], palette, chain)
        if not fitted.fits:
            warn(job, poster, f"the {name} does not fit its box even at the smallest size: it is cut short",
                 "shorten the text")
    return encode(canvas, poster)


# --- inputs: layout, fonts, texts ---------------------------------------------------------------

def poster_layout(job: Job, poster: Poster) -> dict[str, Any]:
    """The theme's posters/LAYOUT.yml, with its `wide` boxes for posters much wider than tall."""
    relpath = f"posters/{poster.layout}.yml"
    found = job.theme.find(relpath, job.reads)
    if found is None:
        raise UserError(Diagnostic(poster.path, poster.line, 0, ERROR,
                                   f"poster '{poster.id}': layout '{poster.layout}' has no file {relpath} in the theme",
                                   "add the layout file to the theme or pick another layout"))
    layout = _read_layout(found, os.stat(found).st_mtime_ns)
    if poster.width / poster.height >= WIDE_RATIO:
        layout = with_variant(layout, "wide")
    if not poster.has_qr:
        layout = with_variant(layout, "without_qr")
    return layout


def with_variant(layout: dict[str, Any], name: str) -> dict[str, Any]:
    """The layout with a variant's keys: `elements` merged element by element, others replaced."""
    variant = layout.get(name) or {}
    merged = {**layout, **variant}
    merged["elements"] = {**layout.get("elements", {}), **variant.get("elements", {})}
    return merged


@lru_cache(maxsize=64)
def _read_layout(path: str, stamp: int) -> dict[str, Any]:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=FAST_LOADER) or {}


def font_chain(job: Job) -> FontChain:
    """The faces for the group's language, the theme's `fonts:` overrides first; every font file is an input."""
    overrides: dict[str, str] = {}
    for role, value in (job.theme.config.get("fonts") or {}).items():
        if role not in FONT_ROLES or not value:
            continue
        face = parse_face(str(value))
        path = face.path if os.path.isabs(face.path) else str(job.asset(face.path))
        if not os.path.isfile(path):
            raise UserError(Diagnostic("theme.yml", 0, 0, ERROR, f"fonts.{role}: font file '{face.path}' not found",
                                       "give a path relative to the project root, with #N for a face of a collection"))
        overrides[role] = f"{path}#{face.index}"
    chain = chain_for(job.lang, overrides)
    if not chain.regular:
        raise UserError(Diagnostic("", 0, 0, ERROR, "no font found for posters",
                                   "pip install noto-cjk-sans-otc, or set fonts: in the theme's theme.yml"))
    for path in chain.files:
        job.reads.add(path)
    return chain


def is_emoji(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in EMOJI_RANGES)


def poster_texts(job: Job, poster: Poster, chain: FontChain) -> dict[str, list[str]]:
    """Each text element as paragraphs, every character checked against the fonts.

    A character no font has is an error, except emoji: they are left out with a warning, because
    no colour emoji font is used and a poster is still worth printing without them.
    """
    values, group = job.values, job.group
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
                if ord(char) in INVISIBLE or unicodedata.category(char) in ("Cc", "Cf") and char != "\n":
                    continue
                if char.isspace() or chain.face_for(char) is not None:
                    kept.append(char)
                elif is_emoji(char):
                    missing_emoji.append(char)
                else:
                    raise UserError(Diagnostic(
                        poster.path, poster.line, 0, ERROR,
                        f"poster '{poster.id}' for group '{group.slug}': no font has the character '{char}' "
                        f"(U+{ord(char):04X}, {unicodedata.name(char, 'unnamed')}) in its {name}",
                        "remove the character, or name a font that has it in the theme's theme.yml `fonts:`"))
            cleaned += [part.strip() for part in "".join(kept).split("\n")]
        texts[name] = [p for p in cleaned if p]
    if missing_emoji:
        shown = " ".join(dict.fromkeys(missing_emoji))
        warn(job, poster, f"no font here draws the emoji {shown}: left out of the poster",
             "name an emoji font in the theme's theme.yml `fonts: {symbols: PATH}`, or remove them")
    return texts


def warn(job: Job, poster: Poster, message: str, hint: str = "") -> None:
    job.warnings.append(Diagnostic(poster.path, poster.line, 0, WARNING,
                                   f"poster '{poster.id}' for group '{job.group.slug}': {message}", hint))


# --- drawing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @classmethod
    def of(cls, box: list[float], canvas: Image.Image) -> Rect:
        x, y, w, h = (float(v) for v in box)
        width, height = canvas.size
        return cls(round(x * width), round(y * height), round(w * width), round(h * height))


def short_side(canvas: Image.Image) -> int:
    return min(canvas.size)


def colour(name: str, palette: dict[str, RGB]) -> RGB:
    """A layout colour: a palette name, 'on-NAME' (ink or white, whichever reads on NAME) or #RRGGBB."""
    if name.startswith("on-"):
        return readable_on(palette[name[3:]])
    return palette[name] if name in palette else rgb(name)


def readable_on(under: RGB) -> RGB:
    return INK if contrast(INK, under) >= contrast(WHITE, under) else WHITE


def colour_under(canvas: Image.Image, rect: Rect) -> RGB:
    """The average colour of what lies under a box (a shape, the background colour or an image)."""
    box = (rect.x, rect.y, rect.x + max(rect.w, 1), rect.y + max(rect.h, 1))
    sample = canvas.resize((1, 1), Image.Resampling.BOX, box).getpixel((0, 0))
    return tuple(sample)[:3]  # type: ignore[return-value]


def background(job: Job, poster: Poster, layout: dict[str, Any]) -> Image.Image:
    """The poster's background colour, or its image cropped to cover the poster, else the layout's."""
    size = (poster.width, poster.height)
    if poster.background and not poster.background.startswith("#"):
        with Image.open(job.asset(poster.background)) as image:
            return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)
    return Image.new("RGB", size, rgb(poster.background or layout.get("background", "#FFFFFF")))


@lru_cache(maxsize=64)
def soft_mask(size: tuple[int, int], shape: str, radius: float = 0) -> Image.Image:
    """An anti-aliased mask of a rounded rectangle or an ellipse filling `size` (shared: do not draw on it)."""
    scale = max(1, min(SUPERSAMPLE, int(math.sqrt(SUPERSAMPLE_PIXELS / (size[0] * size[1])))))
    big = (size[0] * scale, size[1] * scale)
    mask = Image.new("L", big, 0)
    draw = ImageDraw.Draw(mask)
    if shape == "ellipse":
        draw.ellipse((0, 0, big[0] - 1, big[1] - 1), fill=255)
    else:
        draw.rounded_rectangle((0, 0, big[0] - 1, big[1] - 1), radius=radius * scale, fill=255)
    return mask if scale == 1 else mask.resize(size, Image.Resampling.BOX)


def paint(canvas: Image.Image, rect: Rect, fill: RGB, shape: str = "rect", radius: float = 0) -> None:
    if rect.w <= 0 or rect.h <= 0:
        return
    if shape == "rect" and not radius:
        canvas.paste(fill, (rect.x, rect.y, rect.x + rect.w, rect.y + rect.h))
    elif shape == "rect":
        _paint_rounded(canvas, rect, fill, radius)
    else:
        canvas.paste(fill, (rect.x, rect.y, rect.x + rect.w, rect.y + rect.h), soft_mask((rect.w, rect.h), shape, radius))


def _paint_rounded(canvas: Image.Image, rect: Rect, fill: RGB, radius: float) -> None:
    """A rounded rectangle: only its four corners go through a mask, the rest is a plain fill.

    The mask is that of a small rectangle with the same corners; its quarters go to the corners of
    the big one, whose straight edges and inside are filled directly. A QR frame on A4 blended two
    megapixels through a mask before.
    """
    corner = math.ceil(radius) + 1  # past the arc: the straight part of the edges
    small = (min(rect.w, 2 * corner), min(rect.h, 2 * corner))
    mask = soft_mask(small, "rect", radius)
    half_w, half_h = small[0] // 2, small[1] // 2
    right, bottom = rect.x + rect.w, rect.y + rect.h
    for (sx0, sy0, sx1, sy1), (x, y) in (
            ((0, 0, half_w, half_h), (rect.x, rect.y)),
            ((half_w, 0, small[0], half_h), (right - small[0] + half_w, rect.y)),
            ((0, half_h, half_w, small[1]), (rect.x, bottom - small[1] + half_h)),
            ((half_w, half_h, small[0], small[1]), (right - small[0] + half_w, bottom - small[1] + half_h))):
        canvas.paste(fill, (x, y, x + sx1 - sx0, y + sy1 - sy0), mask.crop((sx0, sy0, sx1, sy1)))
    inner_left, inner_right = rect.x + half_w, right - (small[0] - half_w)
    inner_top, inner_bottom = rect.y + half_h, bottom - (small[1] - half_h)
    if inner_right > inner_left:  # the middle columns, top to bottom
        canvas.paste(fill, (inner_left, rect.y, inner_right, bottom))
    if inner_bottom > inner_top:  # the middle rows, left to right
        canvas.paste(fill, (rect.x, inner_top, right, inner_bottom))


def draw_shapes(canvas: Image.Image, shapes: list[dict[str, Any]], palette: dict[str, RGB]) -> None:
    for shape in shapes:
        rect = Rect.of(shape["box"], canvas)
        radius = float(shape.get("radius", 0)) * short_side(canvas)
        paint(canvas, rect, colour(shape.get("fill", "brand"), palette), shape.get("shape", "rect"), radius)


def draw_logo(canvas: Image.Image, job: Job, spec: dict[str, Any], palette: dict[str, RGB]) -> None:
    """The group's logo centred in its box, on a round plate so it stands out from a coloured band."""
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
    """The group's logo as RGBA, reduced to fit a square of `side` if given (shared: do not draw on it)."""
    path = str(job.asset(job.group.brand.logo))
    return _logo(path, os.stat(path).st_mtime_ns, side)


@lru_cache(maxsize=32)
def _logo(path: str, stamp: int, side: int) -> Image.Image:
    if side:
        logo = _logo(path, stamp, 0).copy()
        logo.thumbnail((side, side), Image.Resampling.LANCZOS)
        return logo
    with Image.open(path) as image:
        return image.convert("RGBA")


def draw_qr(canvas: Image.Image, job: Job, poster: Poster, spec: dict[str, Any], palette: dict[str, RGB],
            chain: FontChain) -> None:
    """The generated code (or the group's QR image, with its expiry date under it) in the QR box."""
    group = job.group
    rect = Rect.of(spec["box"], canvas)
    label = ""
    if poster.qr is None and group.qr_image:
        if group.qr_expires:
            label = expiry_label(job)
    label_size = round(short_side(canvas) * 0.03)
    label_room = round(label_size * 3.1) if label else 0  # two lines under the code, if need be
    side = min(rect.w, rect.h - label_room)
    min_side = math.ceil(PRINT_QR_CM / 2.54 * poster.dpi) if poster.for_print else 0
    if poster.qr is None and group.qr_image:
        with Image.open(job.asset(group.qr_image)) as given:
            code = qr.placed_image(given, max(side, min_side))
    else:
        text = render(poster.qr, job.values, group).strip() if poster.qr is not None else group.join_url
        if not text:
            raise UserError(Diagnostic(poster.path, poster.line, 0, ERROR,
                                       f"poster '{poster.id}' for group '{group.slug}': its qr text is empty",
                                       "give the QR a link, or write qr: false"))
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
        label_rect = Rect(rect.x, y + code.height + label_size // 3, rect.w, round(label_size * 2.7))
        left = {"left": x, "right": x + code.width - rect.w}.get(align, rect.x)
        label_rect = Rect(left, label_rect.y, rect.w, label_rect.h)
        spec_label = {"size": [label_size / short_side(canvas)] * 2, "color": "ink", "align": align, "max_lines": 2,
                      "line_height": 1.2}
        draw_text(canvas, [label], spec_label, palette, chain, label_rect)


def expiry_label(job: Job) -> str:
    """'valid until DATE' in the group's language."""
    labels = job.labels()
    when = job.group.qr_expires
    assert when is not None
    months = labels.get("poster_months") or [str(m) for m in range(1, 13)]
    date = labels.get("poster_date", "{y}-{m:02d}-{d:02d}").format(y=when.year, m=when.month, d=when.day,
                                                                  month=months[when.month - 1])
    return labels.get("poster_valid_until", "valid until {date}").format(date=date)


def draw_text(canvas: Image.Image, paragraphs: list[str], spec: dict[str, Any], palette: dict[str, RGB],
              chain: FontChain, rect: Rect | None = None) -> Fitted:
    """Fit the paragraphs into the element's box and draw them; returns how they were set."""
    rect = rect or Rect.of(spec["box"], canvas)
    short = short_side(canvas)
    largest, smallest = (float(v) for v in spec.get("size", [0.06, 0.035]))
    bold = bool(spec.get("bold"))
    bullet = spec.get("bullet")
    pill = spec.get("pill")
    if spec.get("join"):
        paragraphs = [str(spec["join"]).join(paragraphs)]
    max_size = max(8, round(largest * short))
    extra = (0.05 if bold else 0) + (1.0 if bullet else 0) + (1.4 if pill else 0)
    pad_y = 0.45 if pill else 0.0
    box = Box(rect.w, rect.h - 2 * pad_y * max_size, max_size, max(8, min(max_size, round(smallest * short))),
              float(spec.get("line_height", 1.25)), float(spec.get("paragraph_gap", 0.35)),
              int(spec.get("max_lines", 0)), extra)
    fitted = fit(paragraphs, box, _advance_function(chain, bold))
    fitted = _balanced(fitted, paragraphs, box, chain, bold) if spec.get("balance", True) else fitted
    size = fitted.size
    lines_total = fitted.line_count
    text_height = block_height(lines_total, len(fitted.paragraphs), size, box)
    widths = [[_line_width(line, size, chain, bold) for line in lines] for lines in fitted.paragraphs]
    indent = round(size * (1.0 if bullet else 0.7 if pill else 0))
    text_width = max((w for ws in widths for w in ws), default=0) + indent * (2 if pill else 1)
    align, valign = spec.get("align", "left"), spec.get("valign", "top")
    pad = round(pad_y * size)
    full_height = text_height + 2 * pad
    top = rect.y + {"top": 0, "bottom": rect.h - full_height}.get(valign, (rect.h - full_height) / 2)
    if pill:
        pill_left = rect.x + {"left": 0, "right": rect.w - text_width}.get(align, (rect.w - text_width) / 2)
        paint(canvas, Rect(round(pill_left), round(top), round(text_width), round(full_height)),
              colour(pill, palette), radius=full_height / 2 if lines_total == 1 else size * 0.6)
    block = Rect(rect.x, round(top + pad), rect.w, max(1, round(text_height)))
    fill = colour(spec.get("color", "ink"), palette)
    under = colour_under(canvas, block)
    if contrast(fill, under) < READABLE:
        fill = readable_on(under)
    bullet_fill = colour(bullet, palette) if bullet else fill
    if bullet and contrast(bullet_fill, under) < 1.5:
        bullet_fill = fill
    stroke = max(1, round(size * 0.025)) if bold else 0
    y = top + pad
    line_step = size * box.line_height
    for lines, line_widths in zip(fitted.paragraphs, widths, strict=True):
        for number, (line, width) in enumerate(zip(lines, line_widths, strict=True)):
            inner_left, inner_width = rect.x + indent, rect.w - indent * (2 if pill else 1)
            if align == "center":
                x = inner_left + (inner_width - width) / 2
            elif align == "right":
                x = inner_left + inner_width - width
            else:
                x = inner_left
            baseline = y + (line_step - size) / 2 + size * 0.86
            if bullet and number == 0:
                dot = round(size * 0.32)
                paint(canvas, Rect(round(x - size * 0.75), round(baseline - size * 0.3 - dot / 2), dot, dot),
                      bullet_fill, "ellipse")
            _draw_line(canvas, line, x, baseline, size, chain, bold, fill, stroke)
            y += line_step
        y += size * box.paragraph_gap
    return fitted


def _balanced(fitted: Fitted, paragraphs: list[str], box: Box, chain: FontChain, bold: bool) -> Fitted:
    """The same lines at the same size, as even as they go: no lone character on a last line."""
    if not fitted.fits or all(len(p) < 2 for p in fitted.paragraphs):
        return fitted
    advance = _advance_function(chain, bold)
    counts = [len(p) for p in fitted.paragraphs]
    widest = box.width
    narrow = widest * 0.5
    for _ in range(8):
        middle = (narrow + widest) / 2
        trial = fit_at_sizes(paragraphs, Box(middle, box.height, fitted.size, fitted.size, box.line_height,
                                             box.paragraph_gap, box.max_lines, box.extra_width), advance, fitted.phrases)
        if trial is not None and [len(p) for p in trial.paragraphs] == counts:
            widest, fitted = middle, trial
        else:
            narrow = middle
    return fitted


@lru_cache(maxsize=16)
def _advance_function(chain: FontChain, bold: bool):  # type: ignore[no-untyped-def]
    widths: dict[str, float] = {}

    def advance(char: str) -> float:
        if char not in widths:
            found = chain.face_for(char, bold)
            if found is None:
                widths[char] = 1.0
            else:
                widths[char] = load(found[0], MEASURE_SIZE).getlength(char) / MEASURE_SIZE
        return widths[char]
    return advance


def runs(line: str, chain: FontChain, bold: bool) -> list[tuple[Any, bool, str]]:
    """A line cut into runs of characters drawn by the same face."""
    pieces: list[tuple[Any, bool, str]] = []
    for char in line:
        found = chain.face_for(char, bold) or (chain.regular[0], bold)
        if pieces and pieces[-1][:2] == found:
            pieces[-1] = (found[0], found[1], pieces[-1][2] + char)
        else:
            pieces.append((found[0], found[1], char))
    return pieces


def _line_width(line: str, size: int, chain: FontChain, bold: bool) -> float:
    stroke = max(1, round(size * 0.025)) if bold else 0
    return sum(load(face, size).getlength(text) + (2 * stroke if fake else 0) for face, fake, text in runs(line, chain, bold))


def _draw_line(canvas: Image.Image, line: str, x: float, baseline: float, size: int, chain: FontChain,
               bold: bool, fill: RGB, stroke: int) -> None:
    for face, fake, text in runs(line, chain, bold):
        width = stroke if fake else 0
        left, top = x + width, baseline
        mask, dx, dy = text_mask(face, size, text, width, left % 1, top % 1)
        canvas.paste(fill, (int(left) + dx, int(top) + dy, int(left) + dx + mask.width, int(top) + dy + mask.height), mask)
        x += load(face, size).getlength(text) + 2 * width


@lru_cache(maxsize=96)
def text_mask(face: FontFace, size: int, text: str, stroke: int, x_fraction: float,
              y_fraction: float) -> tuple[Image.Image, int, int]:
    """The coverage of a run of text and where its top left lies from the baseline's start.

    Kept: the title, lines and call to action of a playbook are the same for every group, and
    FreeType renders every glyph again on each call (most of the time of drawing text).
    """
    font = load(face, size)
    left, top, right, bottom = font.getbbox(text, anchor="ls", stroke_width=stroke)
    pad = 2  # the sub-pixel start may shift the glyphs by up to a pixel
    mask = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(mask).text((x_fraction - left + pad, y_fraction - top + pad), text, font=font, fill=255,
                              anchor="ls", stroke_width=stroke, stroke_fill=255)
    return mask, left - pad, top - pad


# --- encoding -----------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(canvas: Image.Image, poster: Poster) -> bytes:
    """PNG bytes that depend on the pixels only: an sRGB chunk, 300 dpi on print sizes, no time stamp.

    Written here rather than by Pillow: Pillow tries the five PNG filters on every row, which took
    longer than compressing (bench/results/posters.md). Rows are stored unfiltered and zlib level 1
    compresses them; flat colour and anti-aliased text compress well that way.
    """
    width, height = canvas.size
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits per channel, RGB, no interlace
    chunks = [(b"IHDR", header), (b"sRGB", b"\x00")]  # perceptual rendering intent: the pixels are sRGB
    if poster.for_print:
        per_metre = round(poster.dpi / 0.0254)
        chunks.append((b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    chunks.append((b"IDAT", _compressed_rows(canvas)))
    chunks.append((b"IEND", b""))
    return PNG_SIGNATURE + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)) for kind, data in chunks)


def _compressed_rows(image: Image.Image) -> bytes:
    """The image's rows, each after the byte 0 (PNG filter type None), compressed band by band.

    Bands of BAND_ROWS keep the buffers small: copying the whole image out at once touched fresh
    memory, which cost a first render as much again as the compression.
    """
    stride = image.width * len(image.getbands())
    compressor = zlib.compressobj(PNG_COMPRESS_LEVEL, zlib.DEFLATED, 15, PNG_MEMORY_LEVEL)
    parts = []
    for top in range(0, image.height, BAND_ROWS):
        band = memoryview(image.crop((0, top, image.width, min(image.height, top + BAND_ROWS))).tobytes())
        parts.append(compressor.compress(b"\0" + b"\0".join(band[at:at + stride] for at in range(0, len(band), stride))))
    parts.append(compressor.flush())
    return b"".join(parts)
