"""Drawing on a canvas with Pillow: boxes, shapes with smooth edges, colours that read, and text
set in a box."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from .fonts import FontChain, FontFace, load
from .qr import RGB, WHITE, contrast, rgb
from .typeset import Box, Fitted, block_height, fit, fit_at_sizes

INK = (26, 26, 26)
# WCAG contrast for large text: a text colour below it on its background becomes ink or white
READABLE = 3.0
SUPERSAMPLE = 4  # shapes are drawn this much larger and reduced, for smooth edges...
# ...up to this many pixels: big shapes have edges too long to show steps
SUPERSAMPLE_PIXELS = 4_000_000
MEASURE_SIZE = 200  # pixel size at which character widths are measured, then scaled


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
    """A layout colour: a palette name, 'on-NAME' (ink or white, whichever reads on NAME) or
    #RRGGBB."""
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


@lru_cache(maxsize=64)
def soft_mask(size: tuple[int, int], shape: str, radius: float = 0) -> Image.Image:
    """An anti-aliased mask of a rounded rectangle or an ellipse filling `size` (shared: do not
    draw on it)."""
    scale = max(1, min(SUPERSAMPLE, int(math.sqrt(SUPERSAMPLE_PIXELS / (size[0] * size[1])))))
    big = (size[0] * scale, size[1] * scale)
    mask = Image.new("L", big, 0)
    draw = ImageDraw.Draw(mask)
    if shape == "ellipse":
        draw.ellipse((0, 0, big[0] - 1, big[1] - 1), fill=255)
    else:
        draw.rounded_rectangle((0, 0, big[0] - 1, big[1] - 1), radius=radius * scale, fill=255)
    return mask if scale == 1 else mask.resize(size, Image.Resampling.BOX)


def paint(
    canvas: Image.Image, rect: Rect, fill: RGB, shape: str = "rect", radius: float = 0
) -> None:
    if rect.w <= 0 or rect.h <= 0:
        return
    if shape == "rect" and not radius:
        canvas.paste(fill, (rect.x, rect.y, rect.x + rect.w, rect.y + rect.h))
    elif shape == "rect":
        _paint_rounded(canvas, rect, fill, radius)
    else:
        canvas.paste(
            fill,
            (rect.x, rect.y, rect.x + rect.w, rect.y + rect.h),
            soft_mask((rect.w, rect.h), shape, radius),
        )


def _paint_rounded(canvas: Image.Image, rect: Rect, fill: RGB, radius: float) -> None:
    """A rounded rectangle: only its four corners go through a mask, the rest is a plain fill.

    The mask is that of a small rectangle with the same corners; its quarters go to the corners
    of the big one, whose straight edges and inside are filled directly. A QR frame on A4 blended
    two megapixels through a mask before.
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
        (
            (half_w, half_h, small[0], small[1]),
            (right - small[0] + half_w, bottom - small[1] + half_h),
        ),
    ):
        canvas.paste(fill, (x, y, x + sx1 - sx0, y + sy1 - sy0), mask.crop((sx0, sy0, sx1, sy1)))
    inner_left, inner_right = rect.x + half_w, right - (small[0] - half_w)
    inner_top, inner_bottom = rect.y + half_h, bottom - (small[1] - half_h)
    if inner_right > inner_left:  # the middle columns, top to bottom
        canvas.paste(fill, (inner_left, rect.y, inner_right, bottom))
    if inner_bottom > inner_top:  # the middle rows, left to right
        canvas.paste(fill, (rect.x, inner_top, right, inner_bottom))


def cover(picture: Image.Image, size: tuple[int, int], focus: tuple[float, float]) -> Image.Image:
    """The picture scaled to cover `size` and cropped around `focus` (0..1 across and down):
    the box is filled, nothing is stretched."""
    return ImageOps.fit(picture, size, Image.Resampling.LANCZOS, centering=focus)


def paste_picture(canvas: Image.Image, picture: Image.Image, rect: Rect, radius: float = 0) -> None:
    """A picture the size of `rect` pasted into it, with rounded corners when `radius` is given
    (smooth edges: the corner mask is drawn larger and reduced)."""
    if rect.w <= 0 or rect.h <= 0:
        return
    mask = soft_mask((rect.w, rect.h), "rect", radius) if radius else None
    canvas.paste(picture, (rect.x, rect.y), mask)


def draw_shapes(canvas: Image.Image, shapes: list[dict[str, Any]], palette: dict[str, RGB]) -> None:
    for shape in shapes:
        rect = Rect.of(shape["box"], canvas)
        radius = float(shape.get("radius", 0)) * short_side(canvas)
        paint(
            canvas,
            rect,
            colour(shape.get("fill", "brand"), palette),
            shape.get("shape", "rect"),
            radius,
        )


def draw_text(
    canvas: Image.Image,
    paragraphs: list[str],
    spec: dict[str, Any],
    palette: dict[str, RGB],
    chain: FontChain,
    rect: Rect | None = None,
) -> Fitted:
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
    box = Box(
        rect.w,
        rect.h - 2 * pad_y * max_size,
        max_size,
        max(8, min(max_size, round(smallest * short))),
        float(spec.get("line_height", 1.25)),
        float(spec.get("paragraph_gap", 0.35)),
        int(spec.get("max_lines", 0)),
        extra,
    )
    fitted = fit(paragraphs, box, _advance_function(chain, bold))
    fitted = (
        _balanced(fitted, paragraphs, box, chain, bold) if spec.get("balance", True) else fitted
    )
    size = fitted.size
    lines_total = fitted.line_count
    text_height = block_height(lines_total, len(fitted.paragraphs), size, box)
    widths = [
        [_line_width(line, size, chain, bold) for line in lines] for lines in fitted.paragraphs
    ]
    indent = round(size * (1.0 if bullet else 0.7 if pill else 0))
    text_width = max((w for ws in widths for w in ws), default=0) + indent * (2 if pill else 1)
    align, valign = spec.get("align", "left"), spec.get("valign", "top")
    pad = round(pad_y * size)
    full_height = text_height + 2 * pad
    top = rect.y + {"top": 0, "bottom": rect.h - full_height}.get(
        valign, (rect.h - full_height) / 2
    )
    if pill:
        pill_left = rect.x + {"left": 0, "right": rect.w - text_width}.get(
            align, (rect.w - text_width) / 2
        )
        paint(
            canvas,
            Rect(round(pill_left), round(top), round(text_width), round(full_height)),
            colour(pill, palette),
            radius=full_height / 2 if lines_total == 1 else size * 0.6,
        )
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
                paint(
                    canvas,
                    Rect(round(x - size * 0.75), round(baseline - size * 0.3 - dot / 2), dot, dot),
                    bullet_fill,
                    "ellipse",
                )
            _draw_line(canvas, line, x, baseline, size, chain, bold, fill, stroke)
            y += line_step
        y += size * box.paragraph_gap
    return fitted


def _balanced(
    fitted: Fitted, paragraphs: list[str], box: Box, chain: FontChain, bold: bool
) -> Fitted:
    """The same lines at the same size, as even as they go: no lone character on a last line."""
    if not fitted.fits or all(len(p) < 2 for p in fitted.paragraphs):
        return fitted
    advance = _advance_function(chain, bold)
    counts = [len(p) for p in fitted.paragraphs]
    widest = box.width
    narrow = widest * 0.5
    for _ in range(8):
        middle = (narrow + widest) / 2
        trial = fit_at_sizes(
            paragraphs,
            Box(
                middle,
                box.height,
                fitted.size,
                fitted.size,
                box.line_height,
                box.paragraph_gap,
                box.max_lines,
                box.extra_width,
            ),
            advance,
            fitted.phrases,
        )
        if trial is not None and [len(p) for p in trial.paragraphs] == counts:
            widest, fitted = middle, trial
        else:
            narrow = middle
    return fitted


@lru_cache(maxsize=16)
def _advance_function(chain: FontChain, bold: bool) -> Callable[[str], float]:
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
    return sum(
        load(face, size).getlength(text) + (2 * stroke if fake else 0)
        for face, fake, text in runs(line, chain, bold)
    )


def _draw_line(
    canvas: Image.Image,
    line: str,
    x: float,
    baseline: float,
    size: int,
    chain: FontChain,
    bold: bool,
    fill: RGB,
    stroke: int,
) -> None:
    for face, fake, text in runs(line, chain, bold):
        width = stroke if fake else 0
        left, top = x + width, baseline
        mask, dx, dy = text_mask(face, size, text, width, left % 1, top % 1)
        canvas.paste(
            fill,
            (
                int(left) + dx,
                int(top) + dy,
                int(left) + dx + mask.width,
                int(top) + dy + mask.height,
            ),
            mask,
        )
        x += load(face, size).getlength(text) + 2 * width


@lru_cache(maxsize=96)
def text_mask(
    face: FontFace, size: int, text: str, stroke: int, x_fraction: float, y_fraction: float
) -> tuple[Image.Image, int, int]:
    """The coverage of a run of text and where its top left lies from the baseline's start.

    Kept: the title, lines and call to action of a playbook are the same for every group, and
    FreeType renders every glyph again on each call (most of the time of drawing text).
    """
    font = load(face, size)
    left, top, right, bottom = font.getbbox(text, anchor="ls", stroke_width=stroke)
    pad = 2  # the sub-pixel start may shift the glyphs by up to a pixel
    mask = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(mask).text(
        (x_fraction - left + pad, y_fraction - top + pad),
        text,
        font=font,
        fill=255,
        anchor="ls",
        stroke_width=stroke,
        stroke_fill=255,
    )
    return mask, left - pad, top - pad
