"""handbook.pdf by WeasyPrint, as Playpress made it before Typst: for the benchmarks only.

This is playpress/outputs/handbook_pdf.py and playpress/media/fontcut.py as they were at commit
f5bfeb7 (the last with WeasyPrint), imports pointed at the package: the same HTML as
handbook.html, laid out in A4 pages by WeasyPrint, with the faces cut by HarfBuzz for each
handbook. It needs the `bench` extra (`pip install -e '.[bench]'`: WeasyPrint and Pango).
Run it side by side with the Typst engine: bench/bench_pdf_engines.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as htmlmod
import io
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import weasyprint
from fontTools.fontBuilder import FontBuilder
from fontTools.misc.timeTools import timestampFromString
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from playpress.files import write_atomic
from playpress.media.chart import FONT_ATTRIBUTE
from playpress.media.fonts import EMOJI_RANGES, FontFace
from playpress.outputs.handbook import handbook_page
from playpress.outputs.handbook import posters as handbook_posters
from playpress.outputs.job import Job
from playpress.outputs.posts import entries

# --- fonts: a face cut down to the characters one document uses (was media/fontcut.py) --------

FONT_CACHE = Path(".playpress") / "fonts"  # under the output folder
CUT_VERSION = "3"
# part of every cut's name: bump when the cut options change
FIXED_FONT_TIME = timestampFromString("Wed Jan  1 00:00:00 2025")


@lru_cache(maxsize=16)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    hasher = hashlib.blake2b(digest_size=12)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def file_hash(path: str) -> str:
    stat = os.stat(path)
    return _file_hash(path, stat.st_size, stat.st_mtime_ns)


def cut_face(face: FontFace, characters: str, cache: Path, layout: bool = True) -> Path:
    """The face cut down to `characters` (plus what they need), cached by font, face and
    characters.

    HarfBuzz's subsetter reads the face straight from its collection and cuts a CJK face in tens
    of milliseconds (fontTools needs about half a second just to load one), so every handbook
    gets a cut of its own and each PDF depends only on its own text.
    """
    import uharfbuzz as hb

    wanted = "".join(sorted(set(characters)))
    key = hashlib.blake2b(
        f"{CUT_VERSION}|{layout}|{file_hash(face.path)}|{face.index}|{wanted}".encode(),
        digest_size=12,
    ).hexdigest()
    with open(face.path, "rb") as stream:
        head = stream.read(4)
    stem = Path(face.path).stem.split("-")[0]
    suffix = ".ttf" if head in (b"\x00\x01\x00\x00", b"true") else ".otf"
    target = cache / f"{stem}-cut-{key}{suffix}"
    if target.is_file():
        return target
    source = hb.Face(_blob(face.path), face.index)
    plan = hb.SubsetInput()
    for char in wanted:
        plan.unicode_set.add(ord(char))
    plan.flags = hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.DESUBROUTINIZE
    drop = plan.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in ("FFTM",) + (() if layout else ("GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG")):
        drop.add(int.from_bytes(tag.ljust(4).encode("ascii"), "big"))
    write_atomic(target, hb.subset(source, plan).blob.data)
    return target


@lru_cache(maxsize=8)
def _blob(path: str) -> object:
    import uharfbuzz as hb

    return hb.Blob.from_file_path(path)


def blank_face(characters: str, cache: Path) -> Path:
    """A font that has every given character as an empty glyph, put last in the PDF's font list.

    Characters no real face draws (emoji, with no emoji font installed) are then left out quietly
    instead of sending WeasyPrint to a system font that it would embed whole.
    """
    wanted = sorted({ord(c) for c in characters})
    key = hashlib.blake2b(f"{CUT_VERSION}|{wanted}".encode(), digest_size=12).hexdigest()
    target = cache / f"blank-{key}.ttf"
    if target.is_file():
        return target
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({code: "blank" for code in wanted})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    builder.setupHorizontalMetrics({".notdef": (0, 0), "blank": (250, 0)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Playpress Blank", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    # no clock in the bytes
    builder.font["head"].created = builder.font["head"].modified = FIXED_FONT_TIME
    buffer = io.BytesIO()
    builder.font.recalcTimestamp = False
    builder.save(buffer)
    write_atomic(target, buffer.getvalue())
    return target


# --- the handbook printed by WeasyPrint (was outputs/handbook_pdf.py) ---------------

PDF_FONT_FAMILY = "playpress-{n}"
EMOJI_LIKE = re.compile(
    f"([{''.join(f'{chr(low)}-{chr(high)}' for low, high in EMOJI_RANGES)}])[\ufe0e\ufe0f]?"
)
# drawn by CSS, not written in the page: counters, leaders, list markers
GENERATED = "0123456789.•◦▪"


def used_characters(page: str) -> str:
    """Every character the PDF may draw: the page's text and attributes, its CSS strings, what
    CSS generates."""
    return "".join(
        sorted((set(htmlmod.unescape(page)) | set(GENERATED)) - set("\n\r\t\ufe0e\ufe0f\u200d"))
    )


def for_print(page: str) -> str:
    """The page as WeasyPrint gets it: symbols that may be emoji asked for in their text form.

    Pango looks a symbol such as ✍ or ☕ up as an emoji (in system fonts, past the page's font
    list) unless U+FE0E follows it; the face it finds then goes into the PDF whole (DejaVu Sans:
    +0.3 s, +380 KB). With U+FE0E the page's own cut faces draw it.
    """
    return EMOJI_LIKE.sub(lambda found: found.group(1) + "\ufe0e", page)


def font_css(job: Job, page: str, font_file: FontFile | None = None) -> str:
    """@font-face rules for the faces the page needs, each cut down to the characters it draws
    there (`font_file` makes the file of a face for those characters: the benchmark hands whole
    faces)."""
    font_file = font_file or cut_font
    chain = job.font_chain()
    cache = job.out_dir / FONT_CACHE
    share: dict[int, list[str]] = {n: [] for n in range(len(chain.regular))}
    missing: list[str] = []
    for char in used_characters(page):
        for n, face in enumerate(chain.regular):
            if face.covers(char):
                share[n].append(char)
                break
        else:
            missing.append(char)
    rules_: list[str] = []
    families: list[str] = []
    for n, (regular, bold) in enumerate(zip(chain.regular, chain.bold, strict=True)):
        if not share[n]:
            continue
        family = PDF_FONT_FAMILY.format(n=n)
        families.append(f'"{family}"')
        for face, weight in ((regular, "normal"), (bold, "bold")):
            if face is None:
                continue
            rules_.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                f'src: url("{font_file(face, share[n], cache).as_uri()}"); }}'
            )
    if missing:
        families.append('"playpress-blank"')
        blank = blank_face("".join(missing), cache).as_uri()
        rules_.append(f'@font-face {{ font-family: "playpress-blank"; src: url("{blank}"); }}')
    rules_.append(f":root {{ --pp-font: {', '.join(families)}; }}")
    return "\n".join(rules_)


def chart_fonts(page: str, css: str) -> str:
    """The page with its charts' labels in the embedded faces: an inline SVG does not inherit
    the page's fonts, and would pull whole system faces into the PDF."""
    families = css.rpartition("--pp-font: ")[2].partition(";")[0]
    return page.replace(FONT_ATTRIBUTE, f"font-family='{families}'") if families else page


FontFile = Callable[[FontFace, list[str], Path], Path]


def cut_font(face: FontFace, characters: list[str], cache: Path) -> Path:
    """The face cut to the characters; CJK faces lose layout tables a handbook never uses
    (vertical and other-locale forms)."""
    return cut_face(face, "".join(characters), cache, layout=os.path.getsize(face.path) < 4 << 20)


@contextmanager
def fixed_clock(day: dt.date) -> Iterator[None]:
    """fontTools stamps fonts it writes with the time: SOURCE_DATE_EPOCH makes that the group's
    start."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(
        int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())
    )
    logger = logging.getLogger("weasyprint")
    level = logger.level
    # a missing poster or the fontTools-subsetting notice is not the operator's concern
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


# the group's folder, as the PDF sees it: no real path in image ids
PDF_BASE = "https://playpress.invalid/"


# px of a tall and a wide poster thumbnail: 38 mm and 60 mm at the PDF's 150 dpi
THUMBNAIL_WIDTHS = (224, 354)
PDF_DPI = 150


def poster_thumbnail(path: Path) -> bytes:
    """A poster as the small JPEG the PDF shows: WeasyPrint would decode, shrink and re-encode
    the full PNG itself."""
    with Image.open(path) as image:
        image = image if image.mode == "RGB" else image.convert("RGB")
        width = THUMBNAIL_WIDTHS[image.width > image.height]
        if image.width > width:
            image = image.resize(
                (width, max(1, round(image.height * width / image.width))),
                Image.Resampling.LANCZOS,
                reducing_gap=2.0,
            )
        buffer = io.BytesIO()
        # no EXIF, no clock: same pixels, same bytes
        image.save(buffer, format="JPEG", quality=88, subsampling=0)
        return buffer.getvalue()


def local_fetcher(job: Job, fonts: Path) -> Any:
    """Fetch only the group's own posters, inline data and the font cache: a playbook cannot
    reach the network or another file."""
    posters = {poster["src"] for poster in handbook_posters(job, entries(job))}

    class LocalFiles(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(PDF_BASE):
                name = unquote(url[len(PDF_BASE) :].split("?")[0].split("#")[0])
                if name in posters:  # made in the stage before: staged in this build, or in dist/
                    path = job.output_file(f"{job.group.slug}/{name}")
                    if path.is_file():
                        return URLFetcherResponse(url, poster_thumbnail(path))
            elif url.startswith("file:") and Path(
                unquote(url[len("file://") :])
            ).resolve().is_relative_to(fonts):
                return super().fetch(url, headers)
            raise ValueError(f"not part of the handbook: {url}")

    return LocalFiles()


def laid_out(job: Job, font_file: FontFile | None = None) -> tuple[Any, dict[str, Any]]:
    """The handbook laid out in pages by WeasyPrint, and the options to write it with (apart for
    the benchmark)."""
    page = for_print(handbook_page(job))
    for poster in handbook_posters(job, entries(job)):  # thumbnails: an input even when missing
        job.output_file(f"{job.group.slug}/{poster['src']}")
    # @font-face rules of a stylesheet given here are loaded only through this
    fonts = FontConfiguration()
    fetcher = local_fetcher(job, (job.out_dir / FONT_CACHE).resolve())
    css = font_css(job, page, font_file)
    stylesheet = weasyprint.CSS(string=css, font_config=fonts, url_fetcher=fetcher)
    page = chart_fonts(page, css)
    # The cut faces are embedded as they are (WeasyPrint's own fontTools subsetting costs ~0.6 s a
    # face);
    # without the cut, WeasyPrint must subset the whole face, as it would by default.
    options = {
        "pdf_identifier": hashlib.blake2b(page.encode("utf-8"), digest_size=16)
        .hexdigest()
        .encode("ascii"),
        "dpi": PDF_DPI,
        "full_fonts": font_file is None,
    }
    with fixed_clock(job.group.start):
        document = weasyprint.HTML(string=page, base_url=PDF_BASE, url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=fonts, **options
        )
    return document, options


def handbook_pdf(job: Job) -> bytes:
    """The same HTML as handbook.html, printed: A4, running header, page numbers, bookmarks,
    embedded fonts."""
    document, options = laid_out(job)
    with fixed_clock(job.group.start):
        return document.write_pdf(**options)
