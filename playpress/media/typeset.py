"""Typesetting: line breaking for Chinese and Latin scripts, fitting text into a box,
phone-screen widths."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Kinsoku: characters that never start a line, and ones that never end a line.
NO_START = frozenset(
    "，。！？、；：）》」』】〕〉〗〙”’…‥・·～ー々ゝゞぁぃぅぇぉっゃゅょァィゥェォッャュョ"
    ",.!?;:)]}%‰℃°"
)
NO_END = frozenset("（《「『【〔〈〖〘“‘([{$¥￥£€#")
ELLIPSIS = "…"

Advance = Callable[[str], float]  # width of one character at size 1 (in em)


def is_wide(char: str) -> bool:
    """Chinese, Japanese and Korean characters and full-width forms: a line may break around each
    one."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def segments(text: str, phrases: bool = False) -> list[tuple[str, bool]]:
    """Unbreakable pieces of one paragraph, each with whether a space stood before it.

    A wide character is a piece of its own; a run of other characters up to a space is a word.
    Closing punctuation is glued to the piece before it and opening brackets to the piece after
    it. With `phrases`, Chinese breaks only where the text has spaces, as Latin does.
    """
    pieces: list[list] = []  # [text, space_before]
    space = False
    for char in text:
        if char.isspace():
            space = True
            continue
        joins_previous = (
            pieces
            and not space
            and (
                phrases
                or char in NO_START
                or not is_wide(char)
                and not is_wide(pieces[-1][0][-1])
                or pieces[-1][0][-1] in NO_END
            )
        )
        if joins_previous:
            pieces[-1][0] += char
        else:
            pieces.append([char, space])
        space = False
    return [(piece, bool(before)) for piece, before in pieces]


def measure(text: str, advance: Advance) -> float:
    return sum(advance(char) for char in text)


def wrap(
    text: str, width: float, advance: Advance, force: bool = False, phrases: bool = False
) -> list[str] | None:
    """Lines of at most `width` (in em); None when a word is wider than a line, unless forced to
    split it."""
    lines: list[str] = []
    line = ""
    for piece, space_before in segments(text, phrases):
        joined = f"{line} {piece}" if line and space_before else line + piece
        if not line or measure(joined, advance) <= width:
            line = joined
        else:
            lines.append(line)
            line = piece
        if measure(line, advance) > width:
            if not force:
                return None
            *full, line = _split_word(line, width, advance)
            lines += full
    if line:
        lines.append(line)
    return lines


def _split_word(word: str, width: float, advance: Advance) -> list[str]:
    """A word too long for any line, cut where it must be (never before closing punctuation)."""
    parts, current = [], ""
    for char in word:
        if current and measure(current + char, advance) > width and char not in NO_START:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current]


@dataclass(frozen=True)
class Fitted:
    """Text set in a box: the pixel size chosen, the lines of each paragraph, and whether it all
    fitted."""

    size: int
    paragraphs: tuple[tuple[str, ...], ...]
    fits: bool
    phrases: bool = False  # broken only at the text's own spaces

    @property
    def line_count(self) -> int:
        return sum(len(p) for p in self.paragraphs)


@dataclass(frozen=True)
class Box:
    """Where text may go and how it is set: sizes in pixels, spacing in em."""

    width: float
    height: float
    max_size: int
    min_size: int
    line_height: float = 1.25
    paragraph_gap: float = 0.35
    max_lines: int = 0  # per box; 0: as many as the height allows
    extra_width: float = 0.0  # pixels each line needs beyond its glyphs (a bold stroke, a bullet)


def block_height(lines: int, paragraphs: int, size: int, box: Box) -> float:
    return size * (lines * box.line_height + max(paragraphs - 1, 0) * box.paragraph_gap)


def fit(paragraphs: list[str], box: Box, advance: Advance) -> Fitted:
    """The largest size from max_size down to min_size at which every paragraph fits the box.

    Chinese text that has spaces is broken at them, as a designer would break a slogan, unless
    that costs more than a fifth of the size. When nothing fits, the text is set at min_size,
    long words are split and the lines that do not fit are cut, the last one ending in an
    ellipsis: `fits` is then False so the caller can warn.
    """
    paragraphs = [p for p in paragraphs if p.strip()]
    if not paragraphs:
        return Fitted(box.max_size, (), True)
    anywhere = fit_at_sizes(paragraphs, box, advance, phrases=False)
    if anywhere is None:
        return _cut(paragraphs, box, advance)
    if any(" " in p and any(is_wide(c) for c in p) for p in paragraphs):
        at_spaces = fit_at_sizes(paragraphs, box, advance, phrases=True)
        if at_spaces is not None and at_spaces.size >= 0.8 * anywhere.size:
            return at_spaces
    return anywhere


def fit_at_sizes(paragraphs: list[str], box: Box, advance: Advance, phrases: bool) -> Fitted | None:
    size = box.max_size
    while True:
        width = (box.width - box.extra_width * size) / size
        wrapped = [wrap(p, width, advance, phrases=phrases) for p in paragraphs]
        if all(w is not None for w in wrapped):
            lines = sum(len(w) for w in wrapped)  # type: ignore[arg-type]
            tall = block_height(lines, len(paragraphs), size, box)
            if tall <= box.height and (not box.max_lines or lines <= box.max_lines):
                # type: ignore[arg-type]
                return Fitted(size, tuple(tuple(w) for w in wrapped), True, phrases)
        if size <= box.min_size:
            return None
        size = max(box.min_size, min(size - 1, int(size * 0.94)))


def _cut(paragraphs: list[str], box: Box, advance: Advance) -> Fitted:
    size = box.min_size
    width = (box.width - box.extra_width * size) / size
    kept: list[tuple[str, ...]] = []
    room = box.max_lines or 10**6
    for paragraph in paragraphs:
        lines = wrap(paragraph, width, advance, force=True) or []
        while lines and (
            block_height(sum(map(len, kept)) + len(lines), len(kept) + 1, size, box) > box.height
            or sum(map(len, kept)) + len(lines) > room
        ):
            lines = lines[:-1]
            if lines:
                lines[-1] = _with_ellipsis(lines[-1], width, advance)
        if not lines:
            break
        kept.append(tuple(lines))
        if len(lines) < len(wrap(paragraph, width, advance, force=True) or []):
            break
    if kept and not kept[-1][-1].endswith(ELLIPSIS) and len(kept) < len(paragraphs):
        kept[-1] = (*kept[-1][:-1], _with_ellipsis(kept[-1][-1], width, advance))
    return Fitted(size, tuple(kept), False)


def _with_ellipsis(line: str, width: float, advance: Advance) -> str:
    line = line.rstrip()
    while line and measure(line + ELLIPSIS, advance) > width:
        line = line[:-1].rstrip()
    return line + ELLIPSIS


def display_width(text: str) -> int:
    """Columns on a phone: CJK and other wide characters count double, combining marks nothing."""
    return sum(
        2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 0
        if unicodedata.combining(ch)
        else 1
        for ch in text
    )


def screen_lines(text: str, columns: int) -> int:
    """Lines a text takes on a screen `columns` wide, long lines wrapping."""
    lines = 0
    for line in text.split("\n"):
        width = display_width(line)
        lines += max(1, -(-width // columns))
    return lines
