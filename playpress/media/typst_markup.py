"""Typst markup from untrusted text: escaping for markup and string literals, a Jinja environment
that escapes every value, and Markdown (a playbook's chapters, a group's notes) rendered as Typst.

User text never becomes Typst code: every ASCII punctuation character of a value is written with
a backslash (Typst prints `\\#`, `\\*`, `\\$`, `\\@`, `\\<` ... as the character itself), control
characters are dropped, and text inside a string literal has its quotes and backslashes escaped.
Markup made here on purpose is a `Markup` (a str subclass); the environment's `finalize` lets only
that through unescaped, so a template that forgets a filter prints text, never code.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jinja2
import jinja2.ext
import jinja2.lexer
from markdown_it.tree import SyntaxTreeNode

from .markdown import (
    COMMENTS,
    markdown_parser,  # the same Markdown rules as the HTML chapters
)


class Markup(str):
    """Typst markup or code written on purpose: passes a template unescaped."""

    __slots__ = ()


# control characters, and whole line marks (see LineMarks) where template text becomes a value
_CONTROL = re.compile(r"\x01\d+:\d+\x02|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_MARKUP = str.maketrans({**{c: "\\" + c for c in string.punctuation}, "\t": " "})
_STRING = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"})
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def _clean(text: str) -> str:
    """New lines as \\n; control characters (which no font draws, and Typst may not take) gone."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def escape(text: str) -> Markup:
    """Text as Typst markup that prints exactly it: every ASCII punctuation mark backslashed.

    A blank line would start a paragraph: here it is one new line (a space, or nothing between
    Chinese characters), as HTML shows it.
    """
    return Markup(_BLANK_LINES.sub("\n", _clean(text)).translate(_MARKUP))


def escape_lines(text: str) -> Markup:
    """Text whose line breaks are kept (chat copy, rules): each new line a Typst line break."""
    lines = _clean(text).split("\n")
    return Markup(" \\\n".join(line.translate(_MARKUP) for line in lines))


def string_literal(text: str) -> Markup:
    """Text as a Typst string literal ("..."), for code positions: file names, labels, titles."""
    return Markup('"' + _clean(text).translate(_STRING) + '"')


def colour(value: str, fallback: str = "#1F6FEB") -> Markup:
    """A #RGB / #RRGGBB colour as Typst code; anything else is the fallback (never code)."""
    return Markup(f'rgb("{value if _COLOUR.fullmatch(value or "") else fallback}")')


def number(value: object) -> Markup:
    """A number for a code position (a size, a level); anything else is an error, never code."""
    if isinstance(value, float):
        return Markup(repr(value))
    try:
        return Markup(str(int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        # the template's mistake (it names the line), not the engine's
        raise jinja2.TemplateRuntimeError(f"|num needs a number, not {value!r}") from None


def finalize(value: object) -> str:
    """What a template's {{ value }} prints: Markup as it is, anything else escaped as text."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return escape(str(value))


FILTERS: dict[str, Callable[..., Markup]] = {
    "str": string_literal,
    "lines": escape_lines,
    "colour": colour,
    "text": escape,
    "num": number,
}


def typst_environment(
    loader: jinja2.BaseLoader,
    cls: type[jinja2.Environment] = jinja2.Environment,
    mark_lines: bool = False,
) -> jinja2.Environment:
    """A Jinja environment for .typ templates: every value escaped unless it is Markup.

    Filters: `|str` (a string literal for code positions), `|num` (a number for code positions),
    `|colour` (a checked colour), `|lines` (line breaks kept), `|text` (plain escaping).
    With `mark_lines`, what a template renders carries the marks `unmark` turns into the template
    file and line of each rendered line (see LineMarks).
    """
    env = cls(
        loader=loader,
        autoescape=False,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[LineMarks] if mark_lines else [],
    )
    env.filters.update(FILTERS)
    env.filters.pop("safe", None)  # HTML's notion of safe means nothing here
    return env


# --- where each rendered line was written -------------------------------------------------------

_MARK = re.compile("\x01(\\d+):(\\d+)\x02")


class LineMarks(jinja2.ext.Extension):
    """Each new line of a template's own text carries a mark of its file and line (\\x01F:L\\x02),
    so that a Typst error at line N of the rendered source names the template line it came from.

    The marks go into the text after Jinja's lexer has applied trim_blocks, lstrip_blocks and
    '-' (the output's lines are the same with and without them). They are control characters,
    which no value can hold (escape and string_literal drop them); `unmark` takes them out.
    """

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(marked_files=[])

    def filter_stream(self, stream: jinja2.lexer.TokenStream) -> Iterable[jinja2.lexer.Token]:
        files: list[str] = self.environment.marked_files  # type: ignore[attr-defined]
        path = stream.filename or stream.name or ""
        if path not in files:
            files.append(path)
        file = files.index(path)
        for token in stream:
            if token.type != "data" or "\n" not in token.value:
                yield token
                continue
            parts = token.value.split("\n")
            marked = "".join(
                f"{part}\x01{file}:{token.lineno + n}\x02\n" for n, part in enumerate(parts[:-1])
            )
            yield jinja2.lexer.Token(token.lineno, "data", marked + parts[-1])


def unmark(text: str, files: list[str]) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The rendered text without its marks, and for each of its lines the (template file, line)
    it was written at. A line without a mark is part of a value that spans lines: it belongs to
    the template line of the next mark."""
    lines = text.split("\n")
    origins: list[tuple[str, int]] = []
    pending = 0
    last = (files[0] if files else "", 0)
    for n, line in enumerate(lines):
        if "\x01" not in line:
            continue
        found = _MARK.search(line)
        lines[n] = _MARK.sub("", line)
        if found is None:
            continue
        last = (files[int(found.group(1))], int(found.group(2)))
        origins.extend([last] * (n + 1 - pending))
        pending = n + 1
    origins.extend([last] * (len(lines) - pending))
    return "\n".join(lines), tuple(origins)


# --- Markdown -> Typst ----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int  # Typst level after shifting: 1 = a section of the handbook
    id: str  # the Typst label (label_prefix + the HTML anchor)
    text: str


@dataclass(frozen=True)
class PlacedImage:
    path: str  # inside the compiler's root, e.g. "/md-1.jpg"
    width_mm: float


@dataclass(frozen=True)
class TypstChapters:
    markup: Markup
    headings: tuple[Heading, ...]
    opens_with_heading: bool  # False: the text needs a section title of its own


ImagePlacer = Callable[
    [str], PlacedImage | None
]  # a Markdown image's src -> where it is in the root
LINKABLE = ("http://", "https://", "mailto:")


def markdown_to_typst(
    text: str,
    top_level: int = 1,
    label_prefix: str = "",
    id_prefix: str = "",
    place_image: ImagePlacer | None = None,
) -> TypstChapters:
    """Markdown as Typst markup, with the same rules as the HTML chapters (chapters.py).

    The text's highest heading becomes level `top_level`; each heading gets the label
    `label_prefix + its HTML anchor`. Raw HTML is shown as text and comments are dropped. An image
    is shown when `place_image` puts it in the compiler's root; otherwise (remote, missing) its
    alt text and address are printed: nothing is ever fetched.
    """
    if not text.strip():
        return TypstChapters(Markup(""), (), False)
    tokens = markdown_parser(id_prefix).parse(text, {})
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    renderer = _Renderer(top_level - min(levels) if levels else 0, label_prefix, place_image)
    body = renderer.blocks(SyntaxTreeNode(tokens).children)
    opens = bool(tokens) and tokens[0].type == "heading_open"
    return TypstChapters(Markup(body), tuple(renderer.headings), opens)


def _descendants(node: SyntaxTreeNode | None) -> Iterable[SyntaxTreeNode]:
    for child in node.children if node is not None else ():
        yield child
        yield from _descendants(child)


def _alignment(node: SyntaxTreeNode) -> str:
    style = str(node.attrs.get("style", ""))
    return {"text-align:center": "center", "text-align:right": "right"}.get(style, "left")


class _Renderer:
    """One walk over markdown-it's syntax tree; block nodes joined by blank lines."""

    def __init__(self, shift: int, label_prefix: str, place_image: ImagePlacer | None):
        self.shift, self.label_prefix, self.place_image = shift, label_prefix, place_image
        self.headings: list[Heading] = []

    def blocks(self, nodes: Iterable[SyntaxTreeNode]) -> str:
        return "\n\n".join(part for part in (self.block(node) for node in nodes) if part)

    def block(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline_of(node)
        if kind == "heading":
            return self.heading(node)
        if kind in ("bullet_list", "ordered_list"):
            return self.listing(node)
        if kind == "blockquote":
            return f"#quote(block: true)[{self.blocks(node.children)}]"
        if kind in ("fence", "code_block"):
            return f"#raw(block: true, {string_literal(node.content.rstrip(chr(10)))})"
        if kind == "hr":
            return "#pp-rule()"
        if kind == "table":
            return self.table(node)
        if kind in ("raw_html_block", "html_block"):
            shown = COMMENTS.sub("", node.content).strip()
            return escape(shown) if shown else ""
        if kind == "inline":
            return self.inlines(node.children)
        return self.blocks(node.children)  # anything new in markdown-it: its content, as text

    def heading(self, node: SyntaxTreeNode) -> str:
        level = max(1, min(6, int(node.tag[1]) + self.shift))
        inline = node.children[0] if node.children else None
        plain = "".join(
            part.content for part in _descendants(inline) if part.type in ("text", "code_inline")
        )
        label = self.label_prefix + str(node.attrs.get("id", ""))
        self.headings.append(Heading(level, label, plain or (inline.content if inline else "")))
        body = self.inlines(inline.children) if inline else ""
        return f"#heading(level: {level})[{body}]#label({string_literal(label)})"

    def listing(self, node: SyntaxTreeNode) -> str:
        tasks = "contains-task-list" in str(node.attrs.get("class", ""))
        items = [f"[{self.blocks(item.children)}]" for item in node.children]
        if node.type == "ordered_list":
            start = node.attrs.get("start")
            first = f"start: {int(start)}, " if start is not None else ""
            return f"#enum({first}tight: {self.tight(node)}, {', '.join(items)})"
        marker = "marker: [], indent: 0pt, " if tasks else ""
        return f"#list({marker}tight: {self.tight(node)}, {', '.join(items)})"

    @staticmethod
    def tight(node: SyntaxTreeNode) -> str:
        paragraphs = [
            child for item in node.children for child in item.children if child.type == "paragraph"
        ]
        return "true" if all(p.hidden for p in paragraphs) else "false"

    def table(self, node: SyntaxTreeNode) -> str:
        rows = [(section.type, row) for section in node.children for row in section.children]
        columns = max((len(row.children) for _, row in rows), default=1)
        first = rows[0][1] if rows else None
        aligns = [_alignment(cell) for cell in first.children] if first else []
        aligns += ["left"] * (columns - len(aligns))
        parts = [f"columns: {columns}", f"align: ({', '.join(aligns)},)"]
        for section, row in rows:
            cells = [f"[{self.inline_of(cell)}]" for cell in row.children]
            cells += ["[]"] * (columns - len(cells))
            parts.append(
                f"table.header({', '.join(cells)})" if section == "thead" else ", ".join(cells)
            )
        return f"#pp-table({', '.join(parts)})"

    def inline_of(self, node: SyntaxTreeNode) -> str:
        return "".join(
            self.inlines(child.children) for child in node.children if child.type == "inline"
        )

    def inlines(self, nodes: Iterable[SyntaxTreeNode]) -> str:
        return "".join(self.inline(node) for node in nodes)

    def inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "text":
            return escape(node.content)
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "#linebreak()"
        if kind == "code_inline":
            return f"#raw({string_literal(node.content)})"
        if kind in ("strong", "em", "s"):
            function = {"strong": "strong", "em": "emph", "s": "strike"}[kind]
            return f"#{function}[{self.inlines(node.children)}]"
        if kind == "link":
            return self.link(node)
        if kind == "image":
            return self.image(node)
        if kind == "html_inline" and "task-list-item-checkbox" in node.content:
            return f"#pp-checkbox({'true' if 'checked' in node.content else 'false'})"
        if kind in ("raw_html_inline", "html_inline"):
            return escape(COMMENTS.sub("", node.content))
        return self.inlines(node.children) if node.children else escape(node.content)

    def link(self, node: SyntaxTreeNode) -> str:
        """The link's words, then its address in small print: paper cannot be clicked."""
        href = str(node.attrs.get("href", ""))
        words = self.inlines(node.children)
        plain = "".join(child.content for child in node.children if child.type == "text")
        if not href.lower().startswith(LINKABLE):
            shown = "" if not href or plain == href else f" #pp-address[{escape(href)}]"
            return words + shown
        shown = (
            "" if plain in (href, href.removeprefix("mailto:")) else f" #pp-address[{escape(href)}]"
        )
        return f"#link({string_literal(href)})[{words}]{shown}"

    def image(self, node: SyntaxTreeNode) -> str:
        src = str(node.attrs.get("src", ""))
        alt = "".join(child.content for child in node.children) or str(node.attrs.get("alt", ""))
        placed = self.place_image(src) if self.place_image and "://" not in src else None
        if placed is None:
            return f"#pp-missing-image[{escape(alt)}][{escape(src)}]"
        path, alt_text = string_literal(placed.path), string_literal(alt)
        return f"#pp-image({path}, {placed.width_mm:.1f}mm, {alt_text})"


# Helpers the Markdown markup calls; a handbook.typ defines them (and may restyle them).
HELPERS = ("pp-rule", "pp-table", "pp-checkbox", "pp-address", "pp-image", "pp-missing-image")
