"""Fonts for PDFs: a face cut down to the characters one document uses, straight from its
collection.

WeasyPrint takes the first face of a .ttc and spends seconds subsetting a full CJK face; handing
it a small cut made here keeps a Chinese handbook PDF under a second. Both files are caches under
the output folder, named by what they are made from (the source font's content hash, the face
index, the characters), so a cut is a pure function of its inputs and is made again only when
those change.
"""

from __future__ import annotations

import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.misc.timeTools import timestampFromString
from fontTools.pens.ttGlyphPen import TTGlyphPen

from ..files import write_atomic
from .fonts import FontFace

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
