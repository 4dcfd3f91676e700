"""Markdown chapters (a playbook's body, a group's notes) as handbook HTML: tables, heading
anchors, task lists.

Raw HTML in the Markdown is shown as text, never passed through: a playbook may come from someone
else. HTML comments (`<!-- note to the editor -->`) are dropped, as in any Markdown tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.tasklists import tasklists_plugin


@dataclass(frozen=True)
class Heading:
    level: int  # the HTML level after shifting: 2 = h2
    id: str
    text: str


@dataclass(frozen=True)
class Chapters:
    html: str
    headings: tuple[Heading, ...]
    opens_with_heading: bool  # False: the text needs a section title of its own


def slugify(title: str, prefix: str = "") -> str:
    """An anchor id: lower case, spaces as dashes, letters of any script kept."""
    slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
    return prefix + (slug or "section")


COMMENTS = re.compile(r"<!--.*?-->", re.S)


def _raw_html_as_text(self: object, tokens: list, index: int, options: object, env: object) -> str:
    """Raw HTML from the Markdown: comments vanish, everything else is shown as the text it is."""
    token = tokens[index]
    text = COMMENTS.sub("", token.content)
    if not text.strip():
        return ""
    escaped = escapeHtml(text)
    return f"<p>{escaped.strip()}</p>\n" if token.type == "raw_html_block" else escaped


def _image_as_link(self: object, tokens: list, index: int, options: object, env: object) -> str:
    """An image in the Markdown is shown as a link to it, never fetched by the page: a handbook
    opened anywhere makes no request to a server the playbook names (and leaks no reader)."""
    token = tokens[index]
    src = str(token.attrGet("src") or "")
    alt = "".join(child.content for child in token.children or ()) or src
    label = escapeHtml(alt)
    if src.startswith(("http://", "https://")):
        return f'<a class="image-link" href="{escapeHtml(src)}" rel="noreferrer">🖼 {label}</a>'
    return f'<span class="image-link">🖼 {label}</span>'


@lru_cache(maxsize=8)
def markdown_parser(id_prefix: str) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.add_render_rule("raw_html_block", _raw_html_as_text)
    md.add_render_rule("raw_html_inline", _raw_html_as_text)
    md.add_render_rule("image", _image_as_link)
    md.enable(["table", "strikethrough"])
    md.use(
        anchors_plugin, min_level=1, max_level=6, slug_func=lambda title: slugify(title, id_prefix)
    )
    md.use(tasklists_plugin)
    # Runs before the task list rule, so only the author's raw HTML is marked, not the plugin's
    # checkboxes.
    md.core.ruler.after("inline", "raw_html_as_text", _mark_raw_html)
    return md


def _mark_raw_html(state: object) -> None:
    for token in state.tokens:  # type: ignore[attr-defined]
        if token.type == "html_block":
            token.type = "raw_html_block"
        for child in token.children or ():
            if child.type == "html_inline":
                child.type = "raw_html_inline"


@lru_cache(maxsize=256)  # a playbook's chapters are the same in each of its groups' handbooks
def render_markdown(text: str, top_level: int = 2, id_prefix: str = "") -> Chapters:
    """Markdown to HTML with the text's highest heading shown at `top_level` (h2 by default)."""
    if not text.strip():
        return Chapters("", (), False)
    md = markdown_parser(id_prefix)
    env: dict = {}
    tokens = md.parse(text, env)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    shift = top_level - min(levels) if levels else 0
    headings: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + shift)
            token.tag = f"h{level}"
            if token.type == "heading_open":
                inline = tokens[index + 1]
                plain = "".join(
                    child.content
                    for child in inline.children or ()
                    if child.type in ("text", "code_inline")
                )
                headings.append(
                    Heading(level, str(token.attrs.get("id", "")), plain or inline.content)
                )
    opens = bool(tokens) and tokens[0].type == "heading_open"
    return Chapters(md.renderer.render(tokens, md.options, env), tuple(headings), opens)
