"""YAML 1.1 surprises that end up in chat texts (issue 11, item 3).

What the user typed is what prints, or the build refuses with file:line and the fix (quote it).
Either is accepted here (the issue leaves the choice to the docs); what is never accepted is a
silently different text: 20:30 printed as 1230, 0755 as 493, NO as False, #C62828 as the default
colour.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import Project, assert_no_crash, assert_refused, assert_unchanged
from .projects import G1, PB

VARS = 'vars: {topic: 阅读理解, time: "20:00"}'


def text(relpath: str) -> Callable[[Path], str]:
    return lambda dist: (dist / relpath).read_text(encoding="utf-8")


def csv_cell(slot: str, column: str) -> Callable[[Path], str]:
    def read(dist: Path) -> str:
        rows = csv.DictReader(io.StringIO((dist / "g1/sop.csv").read_text(encoding="utf-8-sig")))
        return "\n".join(row[column] for row in rows if row["slot"] == slot)

    return read


def colour_pixels(relpath: str, colour: tuple[int, int, int], least: int) -> Callable[[Path], str]:
    """'many' when at least `least` pixels of a poster have exactly that colour, else 'few (N)'."""

    def read(dist: Path) -> str:
        from PIL import Image

        with Image.open(dist / relpath) as image:
            counts = dict((rgb, n) for n, rgb in image.convert("RGB").getcolors(1 << 24) or [])
        found = counts.get(colour, 0)
        return "many" if found >= least else f"few ({found})"

    return read


@dataclass
class Surprise:
    old: str  # in `file`, replaced by `new`
    new: str
    shows: Callable[[Path], str]  # the output text where the value lands
    typed: str  # must be in that text when the build succeeds
    wrong: str  # what YAML 1.1 makes of it: must not be there
    file: str = G1
    needle: str = ""  # the line an error points at (default: the first line of `new`)
    fix: str = "quot"  # a word the error's message must hold: the fix (quote it)

    def apply(self, project: Project) -> int:
        project.edit(self.file, self.old, self.new)
        return project.line_of(self.file, self.needle or self.new.split("\n")[0].strip())


def topic(value: str, typed: str, wrong: str, fix: str = "quot") -> Surprise:
    return Surprise(
        VARS,
        f'vars: {{topic: {value}, time: "20:00"}}',
        text("g1/welcome.txt"),
        f"本群主题：{typed}，",
        wrong,
        fix=fix,
    )


SURPRISES: dict[str, Surprise] = {
    "vars-time-20:30-is-not-1230": Surprise(
        VARS,
        "vars: {topic: 阅读理解, time: 20:30}",
        text("g1/welcome.txt"),
        "直播时间 20:30。",
        "1230",
    ),
    "vars-time-1:30:00-is-not-5400": Surprise(
        VARS,
        "vars: {topic: 阅读理解, time: 1:30:00}",
        text("g1/welcome.txt"),
        "直播时间 1:30:00。",
        "5400",
    ),
    "name-0755-is-not-493": Surprise(
        "name: 考研英语冲刺1群", "name: 0755", text("g1/welcome.txt"), "欢迎加入0755！", "493"
    ),
    "vars-area-code-0571-is-not-377": topic("0571", "0571", "377"),
    "vars-0x1F-is-not-31": topic("0x1F", "0x1F", "31"),
    "vars-1_000-is-not-1000": topic("1_000", "1_000", "1000"),
    "vars-version-1.10-is-not-1.1": topic("1.10", "1.10", "1.1，"),
    "vars-country-NO-is-not-False": topic("NO", "NO", "False"),
    "vars-off-is-not-False": topic("off", "off", "False"),
    "vars-.inf-is-not-inf": topic(".inf", ".inf", "本群主题：inf，"),
    "vars-empty-is-not-None": topic("", "", "None", fix=""),
    "faq-answer-0755-is-not-493": Surprise(
        '  - {q: 资料在哪里领？, a: "私信{{ group.people.assistant }}"}',
        '  - {q: 资料在哪里领？, a: "私信{{ group.people.assistant }}"}\n  - {q: 区号？, a: 0755}',
        text("g1/faq.txt"),
        "0755",
        "493",
        file=PB,
        needle="区号",
    ),
    "rules-never-no-is-not-False": Surprise(
        "never: [发广告, 刷屏]",
        "never: [发广告, no]",
        text("g1/rules.txt"),
        "2. no",
        "False",
        file=PB,
    ),
    "slot-post-20:30-is-not-1230": Surprise(
        "post: 早安打卡", "post: 20:30", csv_cell("morning", "post"), "20:30", "1230", file=PB
    ),
    "brand-color-#C62828-unquoted-is-not-a-comment": Surprise(
        '  color: "#C62828"',
        "  color: #C62828",
        colour_pixels("g1/posters/preview.png", (198, 40, 40), 100_000),  # the top half
        "many",
        "few",
    ),
    "brand-accent-#FFD54F-unquoted-is-not-a-comment": Surprise(
        '  accent: "#FFD54F"',
        "  accent: #FFD54F",
        colour_pixels("g1/posters/preview.png", (255, 213, 79), 5_000),  # bar and subtitle
        "many",
        "few",
    ),
    "poster-background-#FFF4E5-unquoted-is-not-a-comment": Surprise(
        "    size: story\n",
        "    size: story\n    background: #FFF4E5\n",
        colour_pixels("g1/posters/preview.png", (255, 244, 229), 100_000),  # the lower half
        "many",
        "few",
        file=PB,
        needle="background: #FFF4E5",
    ),
}


@pytest.mark.parametrize("name", SURPRISES)
def test_what_was_typed_prints_or_is_refused(project, name: str) -> None:
    surprise = SURPRISES[name]
    line = surprise.apply(project)
    run = project.build()
    assert_no_crash(run)
    if run.returncode == 0:
        shown = surprise.shows(project.dist)
        assert surprise.typed in shown and surprise.wrong not in shown, (
            f"built, but the value changed on the way: {surprise.typed!r} expected, "
            f"{surprise.wrong!r} must not be there, got:\n{shown[:2000]}\n{run}"
        )
    else:
        assert_refused(run, at=surprise.file, line=line, mentions=(surprise.fix,))
        assert_unchanged(project.before, project.snapshot())


def test_unquoted_colour_in_a_flow_mapping_is_refused_with_the_fix(project) -> None:
    """`brand: {color: #C62828}`: '#' starts a comment, the mapping is left open."""
    project.edit(
        G1,
        'brand:\n  color: "#C62828"\n  accent: "#FFD54F"\n  logo: content/assets/logo.png',
        'brand: {color: #C62828, accent: "#FFD54F", logo: content/assets/logo.png}',
    )
    line = project.line_of(G1, "brand:")
    run = project.build()
    assert_refused(run, at=G1, line=range(line, line + 2), mentions=("quot",))
    assert_unchanged(project.before, project.snapshot())
