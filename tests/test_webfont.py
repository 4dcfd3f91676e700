"""The pages' own CJK font: every Chinese page links a WOFF2 subset that holds exactly the CJK
characters of the pages that load it, the same bytes on every build, loaded by a real browser on a
machine without a CJK system font; Latin pages stay light."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK, write_project
from fontTools.ttLib import TTFont

from playpress.build import Options, build
from playpress.media.webfont import cjk_characters, is_cjk, subset
from playpress.outputs.webfont import FAMILY

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FACE = re.compile(r"@font-face\{[^}]*src:url\(\"([^\"]+)\"\)")
ZH_GROUP = "xianguo-xixi"
ZH_PAGES = ("index.html", "sop.html", "handbook.html")


def font_of(page: Path) -> Path | None:
    """The font file a page's @font-face points at (None: the page loads none)."""
    found = FACE.search(page.read_text(encoding="utf-8"))
    if found is None:
        return None
    address = unquote(found.group(1).split("?")[0])
    return (page.parent / address).resolve()


def cmap_of(font: Path) -> set[str]:
    return {chr(code) for code in TTFont(font).getBestCmap()}


def page_characters(page: Path) -> set[str]:
    return set(cjk_characters(page.read_text(encoding="utf-8")))


def test_chinese_pages_load_a_subset_holding_exactly_their_characters(example_dist: Path) -> None:
    group = example_dist / ZH_GROUP
    fonts = {font_of(group / name) for name in ZH_PAGES}
    assert fonts == {(group / "cjk.woff2").resolve()}  # one font for the group's pages
    font = group / "cjk.woff2"
    assert font.read_bytes()[:4] == b"wOF2"
    covered = cmap_of(font)
    shown: set[str] = set()
    for name in ZH_PAGES:
        chars = page_characters(group / name)
        assert len(chars) > 300  # the group's copy, not only the labels
        assert chars <= covered, sorted(chars - covered)[:20]
        shown |= chars
    assert {c for c in covered if is_cjk(c)} == shown  # nothing more than the pages show
    assert 50_000 < font.stat().st_size < 400_000


def test_site_wide_pages_share_fonts_by_family_and_are_covered(example_dist: Path) -> None:
    pages = {
        "index": example_dist / "index.html",
        "days": next((example_dist / "days").glob("2026-*.html")),
        "people": next((example_dist / "people").glob("*/index.html")),
    }
    for family, page in pages.items():
        font = font_of(page)
        assert font == (example_dist / f"fonts/{family}.woff2").resolve(), page
        assert page_characters(page) <= cmap_of(font), page
    # the index (a few hundred characters) does not load the people pages' thousand
    assert (example_dist / "fonts/index.woff2").stat().st_size < 150_000


def test_latin_pages_load_only_their_few_cjk_characters(example_dist: Path) -> None:
    page = example_dist / "cafe-la-esquina/index.html"
    font = font_of(page)
    assert font == (example_dist / "fonts/latin.woff2").resolve()
    assert page_characters(page) <= cmap_of(font)  # the site's Chinese title
    assert font.stat().st_size < 10_000
    assert not (example_dist / "cafe-la-esquina/cjk.woff2").exists()
    # a page's face is asked only for CJK text: Latin text keeps the system's faces
    text = page.read_text(encoding="utf-8")
    assert "unicode-range:U+2E80" in text and "U+0" not in text.split("unicode-range:")[1][:20]
    # the join pages stay self-contained (WeChat opens them, with its own Chinese font)
    assert font_of(example_dist / f"join/{ZH_GROUP}/index.html") is None


def test_same_characters_same_bytes(example_dist: Path, tmp_path: Path) -> None:
    """A fresh cut (no cache) of the group's characters is the build's font, byte for byte."""
    from playpress.media import noto

    font = example_dist / ZH_GROUP / "cjk.woff2"
    chars = frozenset(c for c in cmap_of(font) if is_cjk(c))
    face = noto.cjk_regular_face()
    assert face is not None
    first = subset(face, chars, tmp_path / "a")
    second = subset(face, chars, tmp_path / "b")
    assert first == second == font.read_bytes()
    assert list((tmp_path / "a/webfonts").iterdir())  # cached on disk by character set


def test_an_edit_without_new_characters_keeps_the_font_and_its_address(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {"playbooks/course.md": MINIMAL_PLAYBOOK, "content/groups/g1.md": MINIMAL_GROUP},
    )
    out = tmp_path / "dist"

    def run() -> tuple[bytes, str]:
        result = build(Options(root, out, pdf=False))
        assert not result.failed(), result.report.errors
        page = (out / "g1/sop.html").read_text(encoding="utf-8")
        return (out / "g1/cjk.woff2").read_bytes(), FACE.search(page).group(1)  # type: ignore[union-attr]

    font, address = run()
    group = root / "content/groups/g1.md"
    # characters the pages show already, in another order: same font, same address
    group.write_text(MINIMAL_GROUP.lstrip().replace("阅读理解", "理解阅读"), encoding="utf-8")
    assert run() == (font, address)
    # a new character: a new font that holds it, and a new address so no browser keeps the old
    group.write_text(MINIMAL_GROUP.lstrip().replace("阅读理解", "鳄鱼"), encoding="utf-8")
    new_font, new_address = run()
    assert new_address != address and new_font != font
    assert {"鳄", "鱼"} <= cmap_of(out / "g1/cjk.woff2")


def test_chromium_without_cjk_system_fonts_draws_the_pages_font(
    example_dist: Path, tmp_path: Path
) -> None:
    """Chromium sees only DejaVu (no CJK face on the machine, as on many a PC): the page's face
    loads, from file://, and draws the Chinese text that would otherwise be boxes."""
    if not CHROMIUM.exists():
        pytest.fail("headless Chromium is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        "<dir>/usr/share/fonts/truetype/dejavu</dir>"
        f"<cachedir>{html.escape(str(tmp_path / 'fc'))}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env
        )
        try:
            page = chromium.new_page(viewport={"width": 390, "height": 844})
            page.goto((example_dist / ZH_GROUP / "sop.html").as_uri())
            page.evaluate("document.fonts.ready")
            faces = page.evaluate("[...document.fonts].map(f => [f.family, f.status])")
            assert faces == [[FAMILY, "loaded"]] or faces == [[f'"{FAMILY}"', "loaded"]], faces
            assert page.evaluate(f"document.fonts.check('16px \"{FAMILY}\"', '鲜果铺')")
            # the same word drawn in the page's face and in the machine's only face (boxes)
            drawn = page.evaluate(
                """family => [family, 'DejaVu Sans'].map(face => {
                    const canvas = document.createElement('canvas');
                    canvas.width = 120; canvas.height = 40;
                    const c = canvas.getContext('2d');
                    c.font = `32px "${face}"`; c.fillText('鲜果铺', 0, 32);
                    return canvas.toDataURL(); })""",
                FAMILY,
            )
            assert drawn[0] != drawn[1]
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
        finally:
            chromium.close()
