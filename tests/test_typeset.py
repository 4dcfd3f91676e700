"""Line breaking and fitting: Chinese between any two characters with kinsoku, Latin at spaces
only."""

from __future__ import annotations

from playpress.media.typeset import ELLIPSIS, NO_END, NO_START, Box, fit, is_wide, wrap


def advance(char: str) -> float:
    return 1.0 if is_wide(char) else 0.5


def test_chinese_breaks_anywhere_but_never_before_closing_or_after_opening_punctuation() -> None:
    text = "今晚8点直播课（免费），不见不散！欢迎《考研英语》的同学「报名」。"
    for width in (3.5, 4, 5, 6, 7, 9, 12):
        lines = wrap(text, width, advance)
        assert lines is not None and "".join(lines) == text
        for line in lines:
            assert line[0] not in NO_START, (width, lines)
            assert line[-1] not in NO_END, (width, lines)


def test_latin_breaks_only_at_spaces_and_hyphenates_nothing() -> None:
    lines = wrap("Scan to join the well-read neighbors chat", 6, advance)
    assert lines == ["Scan to join", "the", "well-read", "neighbors", "chat"]
    assert " ".join(lines) == "Scan to join the well-read neighbors chat"
    assert wrap("Supercalifragilistic", 3, advance) is None


def test_fit_shrinks_to_the_box_then_cuts_with_an_ellipsis() -> None:
    box = Box(width=500, height=200, max_size=80, min_size=30)
    short = fit(["扫码进群"], box, advance)
    assert short.fits and short.size == 80
    longer = fit(["考研英语冲刺1群，今晚8点直播课，不见不散！"], box, advance)
    assert longer.fits and 30 <= longer.size < 80
    too_long = fit(["考研英语冲刺1群，今晚8点直播课，不见不散！" * 8], box, advance)
    assert (
        not too_long.fits and too_long.size == 30 and too_long.paragraphs[-1][-1].endswith(ELLIPSIS)
    )


def test_spaces_in_chinese_are_preferred_breaks() -> None:
    box = Box(width=560, height=200, max_size=80, min_size=30, max_lines=2)
    fitted = fit(["扫码进群 每天都有特价"], box, advance)
    assert fitted.paragraphs == (("扫码进群", "每天都有特价"),)
