"""Typst markup from user text: values print as themselves, Markdown follows the HTML rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import jinja2
import pytest

from playpress.media import typst_markup as tm
from playpress.media.markdown import render_markdown
from playpress.media.noto import noto_sans
from playpress.media.typst_engine import TypstDocument, TypstEngineError, compile_pdf

HOSTILE = [
    '#read("/etc/passwd")',
    '#include "x"',
    '#image("/etc/hostname")',
    "$x$",
    "*bold?*",
    "_x_",
    "@label",
    "<tag>",
    "`raw`",
    "a\\b",
    "\\",
    "// not a comment",
    "/* nor this */",
    "= not a heading",
    "- not a list",
    "+ nor this",
    "1. nor this",
    "/ term: no",
    "[x](y)",
    "]",
    "[",
    "}{",
    "~",
    "--- ...",
    "'quote' \"x\"",
    "#{1+1}",
    "#let x = 1",
    "a#b",
    "http://example.com/a_b*c",
    ":x:",
    "100%",
    "#[x]",
    "-?",
    "\\u{41}",
]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def fonts() -> tuple[str, ...]:
    face = noto_sans()
    if face is None:
        pytest.skip("manimgx-fonts is not installed")
    return (face.path,)


def test_every_hostile_string_prints_as_itself(tmp_path: Path) -> None:
    lines = "\n\n".join(f"L{n}: {tm.escape(text)}" for n, text in enumerate(HOSTILE))
    text = pdf_text(
        compile_pdf(TypstDocument("#set page(width: 20cm, height: auto)\n" + lines, fonts=fonts())),
        tmp_path,
    )
    shown = {
        line.split(": ", 1)[0].strip(): line.split(": ", 1)[1]
        for line in text.splitlines()
        if ": " in line
    }
    for n, original in enumerate(HOSTILE):
        assert shown[f"L{n}"].strip() == original.strip(), original


def test_string_literals_and_lines_keep_their_text(tmp_path: Path) -> None:
    value = 'say "hi" \\ #read("/etc/passwd") )]}'
    kept = tm.escape_lines("one *a*\ntwo #b")
    source = f"#set page(width: 20cm, height: auto)\n#text({tm.string_literal(value)})\n\n{kept}"
    text = pdf_text(compile_pdf(TypstDocument(source, fonts=fonts())), tmp_path)
    assert value in text and "one *a*\ntwo #b" in text


def test_control_characters_go_and_a_blank_line_is_no_paragraph() -> None:
    assert tm.escape("a\x00b\x1bc") == "abc"
    assert tm.escape("a\n\n\nb") == "a\nb"
    assert tm.string_literal("a\nb\x07") == '"a\\nb"'


def test_colours_and_numbers_are_checked_never_passed_through() -> None:
    assert tm.colour("#1F6FEB") == 'rgb("#1F6FEB")'
    assert tm.colour('#fff") #read("x') == 'rgb("#1F6FEB")'
    assert tm.number(38) == "38" and tm.number(2.5) == "2.5"
    with pytest.raises(jinja2.TemplateRuntimeError):  # the template's mistake, named at its line
        tm.number("1) #read(")


def test_the_environment_escapes_every_value_unless_it_is_markup() -> None:
    env = tm.typst_environment(
        jinja2.DictLoader(
            {"t.typ": "{{ text }}|{{ 'x' }}|{{ markup }}|{{ items|join(',') }}|{{ text|str }}"}
        )
    )
    out = env.get_template("t.typ").render(
        text="#read()", markup=tm.Markup("#strong[a]"), items=["*", "_"]
    )
    assert out == '\\#read\\(\\)|x|#strong[a]|\\*\\,\\_|"#read()"'
    assert "safe" not in env.filters


CHAPTERS = """\
## Plan **bold**

Intro with `code`, ~~old~~, [a link](https://example.com/x) and <b>raw</b> <!-- editor's note -->
![remote](https://example.com/tracker.png) ![local](posters/a.png)

### Step one

- [ ] open the group
- [x] invite people

| who | when |
|:--|--:|
| #me | $5 |

<div onclick="x()">html block</div>

> a quote

```
#read("/etc/passwd")
```
"""


def test_markdown_follows_the_html_rules() -> None:
    asked: list[str] = []

    def place(src: str) -> tm.PlacedImage | None:
        asked.append(src)
        return tm.PlacedImage("/md/0.jpg", 40.0)

    typst = tm.markdown_to_typst(CHAPTERS, top_level=1, label_prefix="ch-", place_image=place)
    html = render_markdown(CHAPTERS, top_level=2)
    assert [h.id for h in typst.headings] == ["ch-" + h.id for h in html.headings]
    assert [(h.level, h.text) for h in typst.headings] == [
        (h.level - 1, h.text) for h in html.headings
    ]
    assert typst.opens_with_heading
    markup = typst.markup
    assert '#heading(level: 1)[Plan #strong[bold]]#label("ch-plan-bold")' in markup
    assert '#heading(level: 2)[Step one]#label("ch-step-one")' in markup
    assert (
        "#pp-checkbox(false) open the group" in markup
        and "#pp-checkbox(true) invite people" in markup
    )
    assert (
        "#pp-table(columns: 2, align: (left, right,), table.header([who], [when]), [\\#me], [\\$5])"
        in markup
    )
    assert (
        "\\<b\\>raw\\<\\/b\\>" in markup and "editor" not in markup
    )  # raw HTML as text, comments gone
    assert "html block" in markup and "#strike[old]" in markup and '#raw("code")' in markup
    assert (
        '#link("https://example.com/x")[a link] #pp-address[https\\:\\/\\/example\\.com\\/x]'
        in markup
    )
    assert '#raw(block: true, "#read(\\"/etc/passwd\\")")' in markup
    assert asked == ["posters/a.png"]  # the remote image is never handed on to be fetched
    assert "#pp-missing-image[remote][https\\:\\/\\/example\\.com\\/tracker\\.png]" in markup


# The helpers the Markdown markup calls (tm.HELPERS), as plainly as a theme could define them.
HELPERS = """
#let pp-rule() = line(length: 100%)
#let pp-table(..args) = table(..args)
#let pp-checkbox(checked) = box(width: 0.8em, height: 0.8em, stroke: 0.5pt, if checked { [x] })
#let pp-address(body) = text(8pt, body)
#let pp-image(path, width, alt) = image(path, width: width, alt: alt)
#let pp-missing-image(alt, address) = [#alt (#address)]
"""


def test_markdown_chapters_compile_and_print_their_text(tmp_path: Path) -> None:
    assert all(f"#let {name}(" in HELPERS for name in tm.HELPERS)
    chapters = tm.markdown_to_typst(CHAPTERS, place_image=lambda src: None)
    text = pdf_text(compile_pdf(TypstDocument(HELPERS + chapters.markup, fonts=fonts())), tmp_path)
    assert (
        '#read("/etc/passwd")' in text and "<b>raw</b>" in text and "#me" in text and "$5" in text
    )
    assert "https://example.com/tracker.png" in text.replace(
        "\n", ""
    )  # shown as its address, not fetched
    assert "editor" not in text and "Step one" in text and "a quote" in text


def test_typst_code_cannot_reach_outside_the_root() -> None:
    with pytest.raises(TypstEngineError, match="not found|escape"):
        compile_pdf(TypstDocument('#read("/etc/passwd")', fonts=fonts()))
    with pytest.raises(TypstEngineError, match="escape"):
        compile_pdf(TypstDocument('#read("../../../../etc/passwd")', fonts=fonts()))
