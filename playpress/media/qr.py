"""QR codes: generated with segno (crisp whole-pixel modules, quiet zone, contrast, SVG) or a given
image placed as is."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import segno
import segno.encoder
from PIL import Image

QUIET_ZONE = 4  # modules of light margin around the code, as ISO/IEC 18004 asks
NEAR_BLACK = (17, 17, 17)
WHITE = (255, 255, 255)
BRAND_QR_CONTRAST = 7.0  # a brand colour darker than this against white may colour the modules
LOGO_SHARE = 0.22  # the centre logo covers at most this share of the code's width (H corrects 30 %)

RGB = tuple[int, int, int]


def rgb(colour: str) -> RGB:
    """'#RGB' or '#RRGGBB' as a tuple."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: RGB) -> float:
    """WCAG relative luminance."""

    def channel(c: int) -> float:
        c8 = c / 255
        return c8 / 12.92 if c8 <= 0.03928 else ((c8 + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def module_colour(brand: RGB) -> RGB:
    """The brand colour when it is as dark as body text needs (7:1 against white), else
    near-black."""
    return brand if contrast(brand, WHITE) >= BRAND_QR_CONTRAST else NEAR_BLACK


# --- choosing the data mask, as segno does, several times faster --------------------------------
#
# segno tries the 8 data masks of ISO/IEC 18004 7.8.2 and keeps the one with the lowest penalty
# (7.8.3.1), module by module in Python: ~5 of the ~6.5 ms of a code. The same choice is made here
# with whole rows at a time (a row as bytes, one byte per module, and as an int for XOR and counts).
# Installed in place of segno's function only when segno still has the shape it was written for;
# tests check that both choose the same mask and give the same matrix.

_RUN = re.compile(rb"\x00{5,}|\x01{5,}")
_FINDER_LIKE = b"\x01\x00\x01\x01\x01\x00\x01"  # dark:light:dark:dark:dark:light:dark (1:1:3:1:1)
_END = b"\x02"  # ends each line of a symbol laid out as one string: no run or pattern crosses it


@lru_cache(maxsize=64)
def _layout(width: int) -> tuple[tuple[int, ...], int, int]:
    """For a symbol of `width` laid out as one int (a byte per module, rows ended by _END):
    per mask pattern what it flips (1 inside the encoding region), a 1 in every byte, and a 1 in
    every byte that has a module above and to its left."""
    enc = segno.encoder
    function = enc.make_matrix(width, width)
    enc.add_finder_patterns(function, width, width)
    enc.add_alignment_patterns(function, width, width)
    function[-8][8] = 0x1  # the dark module
    flips = tuple(
        int.from_bytes(
            b"".join(
                bytes(1 if function[i][j] > 0x1 and pattern(i, j) else 0 for j in range(width))
                + b"\x00"
                for i in range(width)
            ),
            "big",
        )
        for pattern in enc.get_data_mask_functions(False)
    )
    ones = int.from_bytes(b"\x01" * (width * (width + 1)), "big")
    inner = int.from_bytes(
        bytes(width + 1) + (b"\x00" + b"\x01" * (width - 1) + b"\x00") * (width - 1), "big"
    )
    return flips, ones, inner


def _finder_like(lines: bytes, width: int) -> int:
    """N3, counted exactly as segno counts it: 1:1:3:1:1 with 4 light modules on one side, in each
    line."""
    count, found, stride = 0, lines.find(_FINDER_LIKE), width + 1
    while found != -1:
        start = found - found % stride
        at = found - start
        after = at + 7
        if (
            at in (0, width - 7)
            or not any(lines[start + max(at - 4, 0) : start + at])
            or not any(lines[start + after : start + min(after + 4, width)])
        ):
            count += 40
        else:
            after = at + 4
        found = lines.find(_FINDER_LIKE, start + after)
    return count


def _penalty(symbol: int, width: int, ones: int, inner: int) -> int:
    """N1 + N2 + N3 + N4 of ISO/IEC 18004 7.8.3.1 (Table 11) for a masked symbol."""
    stride = width + 1
    rows = symbol.to_bytes(width * stride, "big")
    columns = _END.join(rows[j::stride] for j in range(width)) + _END
    score = 0
    for lines in (rows, columns):
        runs = _RUN.findall(lines)
        # N1: 3 for 5 alike in a line, 1 more for each more
        score += sum(map(len, runs)) - 2 * len(runs)
        score += _finder_like(lines, width)
    # a 1 where a module equals the one above it
    same_above = symbol ^ (symbol >> 8 * stride) ^ ones
    same_left = symbol ^ (symbol >> 8) ^ ones
    # N2: 2x2 blocks alike
    score += 3 * (same_above & (same_above >> 8) & same_left & inner).bit_count()
    dark = symbol.bit_count() - width  # each _END is one bit
    # N4, as segno rounds it
    return score + 10 * int(abs(float(dark) / (width**2) * 100 - 50) / 5)


def _find_and_apply_best_mask(
    matrix: list[bytearray], width: int, height: int, proposed_mask: int | None = None
) -> tuple[int, tuple[bytearray, ...]]:
    """segno.encoder.find_and_apply_best_mask for QR codes; Micro QR and a given mask go to segno's
    own."""
    if proposed_mask is not None or width != height or width < 21:
        return _SEGNO_FIND_MASK(matrix, width, height, proposed_mask)
    flips, ones, inner = _layout(width)
    symbol = int.from_bytes(b"".join(bytes(line) + _END for line in matrix), "big")
    scores = [_penalty(symbol ^ flip, width, ones, inner) for flip in flips]
    best = scores.index(min(scores))  # the first of equals, as segno
    rows = (symbol ^ flips[best]).to_bytes(width * (width + 1), "big")
    return best, tuple(
        bytearray(rows[i * (width + 1) : i * (width + 1) + width]) for i in range(width)
    )


_SEGNO_FIND_MASK = getattr(segno.encoder, "find_and_apply_best_mask", None)
ROW_WISE_MASKS = _SEGNO_FIND_MASK is not None and all(
    hasattr(segno.encoder, name)
    for name in (
        "make_matrix",
        "add_finder_patterns",
        "add_alignment_patterns",
        "get_data_mask_functions",
    )
)


@contextmanager
def row_wise_masks() -> Iterator[None]:
    """segno with the mask search above, for the codes made inside the block only: segno itself
    stays as it is for anyone else in the process (and unchanged when its shape is not the one
    this was written for)."""
    if not ROW_WISE_MASKS:
        yield
        return
    segno.encoder.find_and_apply_best_mask = _find_and_apply_best_mask
    try:
        yield
    finally:
        segno.encoder.find_and_apply_best_mask = _SEGNO_FIND_MASK


def make(text: str, with_logo: bool) -> segno.QRCode:
    """Error correction H under a logo; otherwise M, raised for free when the symbol has room."""
    return _encoded(text, bool(with_logo))  # one cache key however it is called


@lru_cache(maxsize=256)
def _encoded(text: str, with_logo: bool) -> segno.QRCode:
    with row_wise_masks():
        if with_logo:
            return segno.make_qr(text, error="h", boost_error=False)
        return segno.make_qr(text, error="m", boost_error=True)


def fits_a_code(text: str, with_logo: bool) -> bool:
    """Whether the text fits in a QR code at the error correction it would be made with."""
    try:
        make(text, with_logo)
    except (segno.DataOverflowError, ValueError):
        return False
    return True


def code_image(
    text: str, width: int, dark: RGB, logo: Image.Image | None = None, min_width: int = 0
) -> Image.Image:
    """The code as an RGB image at most `width` wide (at least `min_width`), quiet zone included.

    Each module is a whole number of pixels, so the edges stay sharp at any size.
    """
    code = make(text, with_logo=logo is not None)
    modules = code.symbol_size(border=QUIET_ZONE)[0]
    scale = max(1, width // modules, math.ceil(min_width / modules))
    side = modules - 2 * QUIET_ZONE
    bits = bytearray(modules * modules)
    for row, line in enumerate(code.matrix):
        at = (row + QUIET_ZONE) * modules + QUIET_ZONE
        bits[at : at + side] = line
    small = Image.frombytes("P", (modules, modules), bytes(bits))
    small.putpalette([*WHITE, *dark])
    image = small.convert("RGB").resize(
        (modules * scale, modules * scale), Image.Resampling.NEAREST
    )
    if logo is not None:
        _put_logo(image, logo, side, scale)
    return image


_DARK = re.compile(rb"\x01+")


@lru_cache(maxsize=512)  # the same links on every rebuild of a group (watch mode): drawn once
def svg_data_uri(text: str, dark: str = "#111", scale: int = 4) -> str:
    """The code as a small SVG data URI (quiet zone included): one rectangle per run of dark modules
    in a row, sharp at any size on paper and on screen."""
    matrix = make(text, with_logo=False).matrix
    size = len(matrix) + 2 * QUIET_ZONE
    runs = [
        f"M{run.start() + QUIET_ZONE} "
        f"{y + QUIET_ZONE}h{run.end() - run.start()}v1h-{run.end() - run.start()}z"
        for y, row in enumerate(matrix)
        for run in _DARK.finditer(bytes(row))
    ]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size * scale}" height="{size * scale}" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" '
        f'height="{size}" fill="#fff"/>'
        f'<path fill="{dark}" d="{"".join(runs)}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("ascii")).decode("ascii")


def _put_logo(image: Image.Image, logo: Image.Image, side: int, scale: int) -> None:
    """A logo on a white square in the middle, whole modules wide, one module of margin."""
    pad = int(side * LOGO_SHARE)
    pad -= (side - pad) % 2  # centred on the module grid
    if pad < 5:
        return
    start = (QUIET_ZONE + (side - pad) // 2) * scale
    square = pad * scale
    image.paste(WHITE, (start, start, start + square, start + square))
    inner = square - 2 * scale
    fitted = logo.convert("RGBA")
    fitted.thumbnail((inner, inner), Image.Resampling.LANCZOS)
    offset = (start + (square - fitted.width) // 2, start + (square - fitted.height) // 2)
    image.paste(fitted, offset, fitted)


WHOLE_FACTOR_FILLS = 0.85  # below this share of its room, a given QR image is not kept whole-scaled


def placed_image(given: Image.Image, width: int) -> Image.Image:
    """A group's own QR image fitted to `width`: NEAREST enlargement when it is small (by a whole
    number when that fills most of the room), a smooth reduction only when it is larger than the
    room on the poster."""
    source = given.convert("RGBA")
    flat = Image.new("RGB", source.size, WHITE)
    flat.paste(source, (0, 0), source)
    longest = max(flat.size)
    if longest <= width:
        factor = width // longest
        if factor * longest < WHOLE_FACTOR_FILLS * width:
            # A whole factor would leave the code far smaller than its room (a 222 px export in
            # 390 px stays 222 px): NEAREST to the room keeps two colours and sharp edges, each
            # module within a pixel of the others.
            size = (flat.width * width // longest, flat.height * width // longest)
            return flat.resize(size, Image.Resampling.NEAREST)
        return flat.resize((flat.width * factor, flat.height * factor), Image.Resampling.NEAREST)
    ratio = width / longest
    return flat.resize(
        (max(1, round(flat.width * ratio)), max(1, round(flat.height * ratio))),
        Image.Resampling.LANCZOS,
    )


# --- reading codes in given images -------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """The QR codes a reader (zxing-cpp) finds in an image."""

    texts: tuple[str, ...]  # each code's payload, in the reader's order
    box: tuple[int, int, int, int] | None = None  # the first code's symbol, in pixels
    module: float = 0.0  # the width of one of its modules, in pixels


def read_codes(path: str) -> Reading:
    """Every QR code in an image file (see codes_in)."""
    with Image.open(path) as given:
        return codes_in(given)


def codes_in(given: Image.Image) -> Reading:
    """Every QR code in an image, and where the first one is (an exported WeChat card holds the
    code among a title, an avatar and a caption)."""
    import zxingcpp

    if given.mode in ("RGBA", "LA", "PA") or "transparency" in given.info:
        source = given.convert("RGBA")
        flat = Image.new("L", source.size, 255)  # transparent parts as paper, not as ink
        flat.paste(source.convert("L"), (0, 0), source)
    else:
        flat = given.convert("L")
    found = zxingcpp.read_barcodes(flat, formats=zxingcpp.BarcodeFormat.QRCode)  # grey: ~8x faster
    if not found:
        return Reading(())
    first = found[0].position
    corners = [first.top_left, first.top_right, first.bottom_right, first.bottom_left]
    xs, ys = [p.x for p in corners], [p.y for p in corners]
    extra = getattr(found[0], "extra", None)  # zxing-cpp 2.3 and later say the symbol's version
    version = str(extra.get("Version", "")) if isinstance(extra, dict) else ""
    modules = 17 + 4 * int(version) if version.isdigit() else 0
    box = (
        max(0, min(xs)),
        max(0, min(ys)),
        min(flat.width, max(xs) + 1),
        min(flat.height, max(ys) + 1),
    )
    module = (box[2] - box[0]) / modules if modules else 0.0
    return Reading(tuple(barcode.text for barcode in found), box, module)


def cut_out(image: Image.Image, reading: Reading) -> Image.Image:
    """The code alone, on white with its 4-module quiet zone: an exported card's title, avatar
    and caption left out (they crowd the code and are too small to read on a poster)."""
    if reading.box is None or not reading.module:
        return image
    flat = Image.new("RGB", image.size, WHITE)
    source = image.convert("RGBA")
    flat.paste(source, (0, 0), source)
    code = flat.crop(reading.box)
    quiet = math.ceil(reading.module * QUIET_ZONE)
    framed = Image.new("RGB", (code.width + 2 * quiet, code.height + 2 * quiet), WHITE)
    framed.paste(code, (quiet, quiet))
    return framed
