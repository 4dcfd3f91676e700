"""Fonts: where the CJK and Latin faces come from (pip-installed Noto first, system fonts after),
and what they cover."""

from __future__ import annotations

import os
import struct
import sys
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageFont

# Noto Sans CJK collections: face 2 is Simplified Chinese.
NOTO_SC_FACE = 2
SYSTEM_CJK = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", NOTO_SC_FACE),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", NOTO_SC_FACE),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)
SYSTEM_LATIN = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 0),
)
SYSTEM_LATIN_BOLD = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf", 0),
)
# Monochrome emoji/symbol faces, used only when installed (colour bitmap emoji fonts are not used).
SYSTEM_SYMBOLS = (
    ("/usr/share/fonts/truetype/noto/NotoEmoji-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
)
# Symbols a text face may lack and an emoji font would draw (posters leave them out with a warning).
EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x2460, 0x24FF),
    (0x25A0, 0x27BF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
)


def is_emoji(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in EMOJI_RANGES)


# Invisible characters of emoji sequences (joiner, variation selectors, skin tones, tags): dropped.
INVISIBLE = frozenset(
    [0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)]
)
DRAWN, DROPPED, EMOJI, MISSING = "drawn", "dropped", "emoji", "missing"


def drawn(char: str, chain: FontChain) -> str:
    """What happens to a character set in these faces: drawn, dropped (invisible: joiners,
    variation selectors, controls), an emoji no face draws (left out), or missing (an error)."""
    if ord(char) in INVISIBLE or (unicodedata.category(char) in ("Cc", "Cf") and char != "\n"):
        return DROPPED
    if char.isspace() or chain.face_for(char) is not None:
        return DRAWN
    return EMOJI if is_emoji(char) else MISSING


def theme_chain(lang: str, fonts: Mapping[str, str], root: str) -> FontChain:
    """chain_for with a theme's `fonts:` (paths relative to the project, #N for a face)."""
    overrides = {}
    for role, value in fonts.items():
        face = parse_face(value)
        path = face.path if os.path.isabs(face.path) else os.path.join(root, face.path)
        overrides[role] = f"{path}#{face.index}"
    return chain_for(lang, overrides)


# theme.yml `fonts:` keys an operator may set, e.g. fonts: {cjk: "fonts/SourceHanSans.ttc#2", latin:
# fonts/Inter.ttf}
FONT_ROLES = ("cjk", "latin", "latin_bold", "symbols")


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: a path and, for collections (.ttc/.otc), the face index."""

    path: str
    index: int = 0

    def covers(self, char: str) -> bool:
        starts, ends = _cmap_ranges(self.path, self.index)
        code = ord(char)
        at = bisect_right(starts, code) - 1
        return at >= 0 and code <= ends[at]


def parse_face(text: str) -> FontFace:
    """'path#index' (index for collections) as written in theme.yml."""
    path, _, index = text.partition("#")
    return FontFace(path, int(index or 0))


def _first_existing(candidates: tuple[tuple[str, int], ...]) -> FontFace | None:
    return next((FontFace(p, i) for p, i in candidates if os.path.isfile(p)), None)


@cache
def cjk_face(override: str = "") -> FontFace | None:
    """The Simplified Chinese face: a theme's override, Noto Sans CJK SC Regular cut from the
    pip-installed variable font (media/noto.py), then system fonts."""
    if override and os.path.isfile(parse_face(override).path):
        return parse_face(override)
    from . import noto  # noto uses this module's FontFace

    return noto.cjk_regular_face() or _first_existing(SYSTEM_CJK)


@cache
def cjk_bold_face(override: str = "") -> FontFace | None:
    """The real bold of cjk_face (Noto Sans CJK SC Bold, cut from the same variable font, else
    the system's); None for a theme's own face, which titles then embolden by a stroke."""
    if override:
        return None
    from . import noto

    return noto.cjk_bold_face()


@cache
def latin_face(override: str = "") -> FontFace | None:
    """A Latin face for English and Spanish; the CJK face covers Latin too when nothing else is
    there."""
    if override and os.path.isfile(parse_face(override).path):
        return parse_face(override)
    return _first_existing(SYSTEM_LATIN) or cjk_face()


@cache
def latin_bold_face(override: str = "") -> FontFace | None:
    """A bold Latin face for titles; None when there is none (titles are then emboldened by a
    stroke)."""
    if override and os.path.isfile(parse_face(override).path):
        return parse_face(override)
    return _first_existing(SYSTEM_LATIN_BOLD)


@cache
def symbol_faces(override: str = "") -> tuple[FontFace, ...]:
    """Faces for symbols and monochrome emoji that the text faces lack: a theme's override, else
    Noto Sans Symbols and Noto Emoji from pip (manimgx-fonts), else a system face."""
    if override and os.path.isfile(parse_face(override).path):
        return (parse_face(override),)
    from . import noto

    found = noto.noto_symbols() or (_first_existing(SYSTEM_SYMBOLS),)
    return tuple(face for face in found if face is not None)


@dataclass(frozen=True)
class FontChain:
    """The faces a poster's text is set in, in order of preference per character."""

    regular: tuple[FontFace, ...]
    # the bold face of each regular face; None: embolden with a stroke
    bold: tuple[FontFace | None, ...]

    def face_for(self, char: str, bold: bool = False) -> tuple[FontFace, bool] | None:
        """The face that draws char and whether it needs a stroke to look bold; None when none
        covers it."""
        for regular, heavy in zip(self.regular, self.bold, strict=True):
            if bold and heavy is not None and heavy.covers(char):
                return heavy, False
            if regular.covers(char):
                return regular, bold
        return None

    @property
    def files(self) -> list[str]:
        faces = [*self.regular, *self.bold]
        return sorted({os.path.abspath(f.path) for f in faces if f is not None})


def chain_for(lang: str, overrides: Mapping[str, str] | None = None) -> FontChain:
    """Chinese first for zh; Latin first for en and es; symbols last. Missing faces are skipped.
    Each face is paired with its real bold where there is one (Noto Sans CJK Bold for Chinese)."""
    given = dict(overrides or {})
    cjk, latin = cjk_face(given.get("cjk", "")), latin_face(given.get("latin", ""))
    cjk_bold, latin_bold = (
        cjk_bold_face(given.get("cjk", "")),
        latin_bold_face(given.get("latin_bold", "")),
    )
    pairs = (
        [(cjk, cjk_bold), (latin, latin_bold)]
        if lang == "zh"
        else [(latin, latin_bold), (cjk, cjk_bold)]
    )
    pairs += [(face, None) for face in symbol_faces(given.get("symbols", ""))]
    seen: list[tuple[FontFace, FontFace | None]] = []
    for regular, bold in pairs:
        if regular is not None and all(regular != r for r, _ in seen):
            seen.append((regular, bold if bold != regular else None))
    return FontChain(tuple(r for r, _ in seen), tuple(b for _, b in seen))


@lru_cache(maxsize=256)
def load(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    """A face at a pixel size; FreeType loads are cached per process (the Noto collection is 20
    MB)."""
    from PIL import ImageFont  # here: reading a project (its theme's fonts) needs no Pillow

    return ImageFont.truetype(
        face.path, size, index=face.index, layout_engine=ImageFont.Layout.BASIC
    )


FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")


def font_problem(face: FontFace) -> str:
    """What is wrong with a font file given as a face ('' when it is a font with that face)."""
    try:
        with open(face.path, "rb") as stream:
            head = stream.read(12)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if head[:4] not in FONT_MAGIC:
        return "is not a font (TrueType or OpenType)"
    if head[:4] == b"ttcf" and face.index >= int.from_bytes(head[8:12], "big"):
        return f"has no face #{face.index} (it has {int.from_bytes(head[8:12], 'big')})"
    try:
        starts, _ends = _cmap_ranges(face.path, face.index)
    except (OSError, ValueError, IndexError, struct.error):
        starts = []
    return "" if starts else "is damaged (it maps no characters)"


@cache
def _cmap_ranges(path: str, index: int) -> tuple[list[int], list[int]]:
    """The code point ranges a face maps to glyphs, read straight from its cmap table (fontTools
    takes 0.4 s)."""
    with open(path, "rb") as handle:
        head = handle.read(12)
        base = 0
        if head[:4] == b"ttcf":
            handle.seek(12 + 4 * index)
            (base,) = struct.unpack(">I", handle.read(4))
        handle.seek(base + 4)
        (count,) = struct.unpack(">H", handle.read(2))
        handle.seek(base + 12)
        records = handle.read(16 * count)
        for at in range(0, len(records), 16):
            tag, _, offset, length = struct.unpack(">4sIII", records[at : at + 16])
            if tag == b"cmap":
                handle.seek(offset)
                return _parse_cmap(handle.read(length))
    return [], []


def _big_endian_array(code: str, data: bytes) -> array:
    """Unsigned big-endian integers (H: 16 bits, I: 32 bits) read in one go, not one struct call
    each."""
    numbers = array(code, data)
    if sys.byteorder == "little":
        numbers.byteswap()
    return numbers


def _parse_cmap(table: bytes) -> tuple[list[int], list[int]]:
    (_, count) = struct.unpack(">HH", table[:4])
    subtables = {}
    for at in range(4, 4 + 8 * count, 8):
        platform, encoding, offset = struct.unpack(">HHI", table[at : at + 8])
        subtables[(platform, encoding)] = offset
    for key in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 1), (0, 0)):
        if key not in subtables:
            continue
        offset = subtables[key]
        (fmt,) = struct.unpack(">H", table[offset : offset + 2])
        if fmt == 12:
            (groups,) = struct.unpack(">I", table[offset + 12 : offset + 16])
            numbers = _big_endian_array("I", table[offset + 16 : offset + 16 + 12 * groups])
            return numbers[0::3].tolist(), numbers[1::3].tolist()
        if fmt == 4:
            (segments,) = struct.unpack(">H", table[offset + 6 : offset + 8])
            segments //= 2
            ends_at = offset + 14
            ends = _big_endian_array("H", table[ends_at : ends_at + 2 * segments])
            starts_at = ends_at + 2 * segments + 2
            starts = _big_endian_array("H", table[starts_at : starts_at + 2 * segments])
            pairs = sorted((s, e) for s, e in zip(starts, ends, strict=True) if s != 0xFFFF)
            return [s for s, _ in pairs], [e for _, e in pairs]
    return [], []
