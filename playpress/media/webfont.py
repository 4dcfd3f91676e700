"""Web fonts for pages: the characters of CJK scripts a page shows, and a WOFF2 subset of a face
holding exactly those characters, cut once per character set and cached on disk.

The subset is cut by HarfBuzz from the static cut the PDFs embed (noto.static_instance), so pages
and PDFs draw the same glyphs. Cutting takes milliseconds; WOFF2's Brotli (quality 11, fontTools)
takes about 1.5 s for a thousand characters, hence the cache: an edit that adds no character
makes the same font bytes without compressing anything.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..files import write_atomic
from .fonts import FontFace
from .noto import cache_dir, file_hash

# the pages' @font-face family: their stylesheets and the charts' labels name it first (its
# unicode-range keeps Latin text in the system's faces)
FAMILY = "Playpress CJK"
WEBFONT_VERSION = "1"  # part of every cached subset's key: bump when the cut changes
# What the face is asked for, as CSS unicode-range and as code point ranges: CJK radicals and
# symbols, punctuation (、。「」), kana, bopomofo, Hangul, the unified ideographs and their
# extensions, compatibility ideographs and forms, full-width forms (，：！（）).
CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3134F),
)


# runs of them: a page of 150 KB is read in a millisecond (a loop over its characters takes 100)
CJK_RUNS = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES) + "]+")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def unicode_range() -> str:
    """CJK_RANGES as a CSS unicode-range: a page whose text has none of them loads no font."""
    return ",".join(f"U+{low:X}-{high:X}" for low, high in CJK_RANGES)


def cjk_characters(page: str) -> frozenset[str]:
    """The CJK characters of a page's markup (text, attributes; character references read)."""
    if "&" in page:
        page = html.unescape(page)
    return frozenset("".join(CJK_RUNS.findall(page)))


def characters_key(chars: Iterable[str]) -> str:
    """A short hash of a set of characters (the same set, the same key)."""
    text = "".join(sorted(set(chars)))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def flavor() -> str:
    """woff2 when Brotli is installed (it is a dependency), else WOFF's zlib: 15 % more bytes."""
    try:
        import brotli  # noqa: F401
    except ImportError:
        return "woff"
    return "woff2"


def subset(source: FontFace, chars: frozenset[str], cache: Path | None = None) -> bytes:
    """The face holding exactly `chars` (and .notdef), as WOFF2: cut on first use, then read from
    the cache, keyed by the source's content and the character set."""
    return _subset(source.path, source.index, file_hash(source.path), chars, str(cache or ""))


@lru_cache(maxsize=64)
def _subset(path: str, index: int, source_hash: str, chars: frozenset[str], cache: str) -> bytes:
    kind = flavor()
    key = hashlib.blake2b(
        f"{WEBFONT_VERSION}|{source_hash}|{index}|{kind}|".encode()
        + "".join(sorted(chars)).encode("utf-8"),
        digest_size=12,
    ).hexdigest()
    target = (Path(cache) if cache else cache_dir()) / "webfonts" / f"{key}.{kind}"
    try:
        return target.read_bytes()
    except OSError:
        pass
    data = _cut(path, index, chars, kind)
    try:
        write_atomic(target, data)
    except OSError:
        pass  # a cache that cannot be written costs time, never the output
    return data


def _cut(path: str, index: int, chars: frozenset[str], kind: str) -> bytes:
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    face = hb.Face(hb.Blob.from_file_path(path), index)
    plan = hb.SubsetInput()
    plan.unicode_set.update(ord(char) for char in chars)
    data = hb.subset(face, plan).blob.data
    # the cut's dates stay as they are: the same characters give the same bytes
    font = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    font.flavor = kind
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
