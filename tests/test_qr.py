"""QR codes: quiet zone, whole-pixel modules, error level, print size and contrast, read back with
zxing-cpp."""

from __future__ import annotations

import segno
import zxingcpp
from PIL import Image

from playpress.media import qr

LINK = "https://example.com/j/kaoyan-english-1"


def read(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_code_has_a_quiet_zone_of_four_modules_and_whole_pixel_modules() -> None:
    image = qr.code_image(LINK, 500, qr.NEAR_BLACK)
    modules = qr.make(LINK, False).symbol_size(border=qr.QUIET_ZONE)[0]
    scale = image.width // modules
    assert image.size == (modules * scale, modules * scale) and scale == 500 // modules
    assert {c for _, c in image.getcolors()} == {qr.WHITE, qr.NEAR_BLACK}  # no blur
    border = 4 * scale
    assert image.crop((0, 0, image.width, border)).getcolors() == [(image.width * border, qr.WHITE)]
    # the finder pattern starts right after it
    assert image.getpixel((border, border)) == qr.NEAR_BLACK
    assert read(image) == [LINK]


def test_error_correction_is_h_under_a_logo_and_the_code_still_reads() -> None:
    logo = Image.new("RGBA", (200, 200), (200, 30, 30, 255))
    image = qr.code_image(LINK, 400, qr.NEAR_BLACK, logo)
    assert qr.make(LINK, True).error == "H"
    assert qr.make(LINK, False).error in ("M", "Q", "H")
    assert (200, 30, 30) in {c for _, c in image.getcolors(1 << 16)}
    assert [r.ec_level for r in zxingcpp.read_barcodes(image)] == ["H"]
    assert read(image) == [LINK]


def test_print_minimum_width_wins_over_a_small_box() -> None:
    two_cm = 237  # at 300 dpi
    image = qr.code_image(LINK, 100, qr.NEAR_BLACK, min_width=two_cm)
    assert image.width >= two_cm
    assert read(image) == [LINK]


def test_module_colour_keeps_contrast_whatever_the_brand() -> None:
    assert qr.module_colour(qr.rgb("#111111")) == (17, 17, 17)
    assert qr.module_colour(qr.rgb("#000")) == (0, 0, 0)
    assert qr.module_colour(qr.rgb("#283593")) == (40, 53, 147)  # dark indigo: 10:1
    for pale in ("#FFEB3B", "#EF6C00", "#4FC3F7", "#FFFFFF"):
        assert qr.module_colour(qr.rgb(pale)) == qr.NEAR_BLACK, pale
    assert round(qr.contrast((0, 0, 0), qr.WHITE)) == 21


def test_given_image_is_enlarged_by_a_whole_factor_with_nearest(tmp_path) -> None:
    path = tmp_path / "given.png"
    segno.make_qr("https://example.com/wx/abc", error="m").save(str(path), scale=3, border=4)
    given = Image.open(path)
    placed = qr.placed_image(given, 400)
    factor = 400 // given.width
    assert placed.size == (given.width * factor, given.height * factor)
    assert {c for _, c in placed.getcolors()} <= {(0, 0, 0), (255, 255, 255)}
    assert read(placed) == ["https://example.com/wx/abc"]
    smaller = qr.placed_image(given, given.width // 2)
    assert max(smaller.size) == given.width // 2


def test_our_mask_choice_is_segnos_own_choice() -> None:
    """The faster mask search must pick what segno's own search picks, module for module."""
    import random

    import segno.encoder

    # segno has the shape the row-wise search needs, so this compares two searches
    assert qr.ROW_WISE_MASKS
    rng = random.Random(7)
    texts = [f"https://example.com/j/group-{n:03d}" for n in range(20)] + [
        "扫码加入鲜果群" * k for k in (1, 5, 12)
    ]
    texts += [
        "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz0123456789/:.?=&")
            for _ in range(rng.randint(5, 700))
        )
        for _ in range(30)
    ]
    masks = set()
    for text in texts:
        for error in "mh":
            with qr.row_wise_masks():
                ours = segno.make_qr(text, error=error, boost_error=False)
            theirs = segno.make_qr(text, error=error, boost_error=False)
            assert (ours.mask, ours.matrix) == (theirs.mask, theirs.matrix), (text, error)
            masks.add(ours.mask)
    assert len(masks) >= 6  # the texts exercise most of the eight masks
    assert read(qr.code_image(texts[-1], 900, qr.NEAR_BLACK)) == [texts[-1]]


def test_the_handbooks_svg_code_draws_the_same_modules_and_reads_back() -> None:
    import base64
    import re

    from PIL import ImageDraw

    uri = qr.svg_data_uri(LINK)
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("ascii")
    side = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    code = qr.make(LINK, False)
    assert side == code.symbol_size(border=qr.QUIET_ZONE)[0]
    scale = 8
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        x, y, width = int(x), int(y), int(width)
        draw.rectangle((x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1), fill=0)
    drawn = [
        [
            image.getpixel((x * scale, y * scale)) == 0
            for x in range(qr.QUIET_ZONE, side - qr.QUIET_ZONE)
        ]
        for y in range(qr.QUIET_ZONE, side - qr.QUIET_ZONE)
    ]
    assert drawn == [[bool(module) for module in row] for row in code.matrix]
    assert read(image.convert("RGB")) == [LINK]


def test_making_codes_leaves_segno_as_it_was_for_everyone_else() -> None:
    """The faster mask search is used for our own codes only: no process-wide change on import or
    use."""
    import segno.encoder

    own = qr._SEGNO_FIND_MASK
    qr.code_image("https://example.com/j/untouched", 300, qr.NEAR_BLACK)
    assert segno.encoder.find_and_apply_best_mask is own
