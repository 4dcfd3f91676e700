"""QR codes on posters: generated with segno (crisp whole-pixel modules, quiet zone, contrast) or a given image placed as is."""

from __future__ import annotations

import math
from functools import lru_cache

import segno
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
    """The brand colour when it is as dark as body text needs (7:1 against white), else near-black."""
    return brand if contrast(brand, WHITE) >= BRAND_QR_CONTRAST else NEAR_BLACK


@lru_cache(maxsize=64)
def make(text: str, with_logo: bool) -> segno.QRCode:
    """Error correction H under a logo; otherwise M, raised for free when the symbol has room."""
    if with_logo:
        return segno.make_qr(text, error="h", boost_error=False)
    return segno.make_qr(text, error="m", boost_error=True)


def code_image(text: str, width: int, dark: RGB, logo: Image.Image | None = None, min_width: int = 0) -> Image.Image:
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
        bits[at:at + side] = line
    small = Image.frombytes("P", (modules, modules), bytes(bits))
    small.putpalette([*WHITE, *dark])
    image = small.convert("RGB").resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    if logo is not None:
        _put_logo(image, logo, side, scale)
    return image


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


def placed_image(given: Image.Image, width: int) -> Image.Image:
    """A group's own QR image fitted to `width`: whole-number NEAREST enlargement when it is small,
    a smooth reduction only when it is larger than the room on the poster."""
    source = given.convert("RGBA")
    flat = Image.new("RGB", source.size, WHITE)
    flat.paste(source, (0, 0), source)
    longest = max(flat.size)
    if longest <= width:
        factor = width // longest
        return flat.resize((flat.width * factor, flat.height * factor), Image.Resampling.NEAREST)
    ratio = width / longest
    return flat.resize((max(1, round(flat.width * ratio)), max(1, round(flat.height * ratio))), Image.Resampling.LANCZOS)
