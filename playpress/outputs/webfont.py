"""The pages' own Chinese font: GROUP/cjk.woff2 for a group in a CJK language, fonts/*.woff2 for
the site-wide pages (and any CJK text on a Latin group's pages), each a subset of the face the PDFs
use holding exactly the characters of the pages that load it; and the @font-face those pages
carry.

One font per group, not per page: a reader who opens the group's home, SOP and handbook downloads
one file (and a build of 2,000 groups writes 2,000 fonts, not 6,000). A font is made in the
posters stage from the pages as this build wrote them (they are its inputs): an edit of a page
makes it again, and when the edit adds no character the same bytes come from the cache, without a
cut (media/webfont.py). A page links its font as `cjk.woff2?v=HASH`, HASH being its own
characters': when a new character comes, the pages that show it ask for a new address, so that a
browser never draws them with a cached font that lacks it.
"""

from __future__ import annotations

from ..media.webfont import FAMILY, characters_key, cjk_characters, flavor, subset, unicode_range
from ..model import Project
from .job import Job, Output
from .kinds import (
    GROUP_FONT,
    LATIN,
    SITE_FONTS,
    any_cjk,
    cjk_lang,
    group_outputs,
    site_outputs,
)
from .staff import href, up

# where a theme's page template puts the @font-face (base.html and handbook.html have it)
MARK = "<!--playpress:webfont-->"
# the pages a group's font serves (the join pages stay self-contained: WeChat, which opens them,
# has a Chinese font)
GROUP_PAGES = ("home", "sop_html", "handbook_html")
# the site-wide pages, by the font they share: the index and tags list groups (a few hundred
# characters), the days show every group's posts of a day, a person's page their duties' copy
# (over a thousand characters between them: one font for all of them would make the index load
# four times the bytes it needs). The pages of groups in other languages share fonts/latin.woff2:
# the few CJK characters they show (a Chinese site title) in a few kilobytes.
SITE_PAGES = {
    "index": "index",
    "tag": "index",
    "days_index": "days",
    "day": "days",
    "person_page": "people",
}


def font_of(project: Project, output: Output) -> str:
    """The font a page loads ('' for none)."""
    group = project.groups.get(output.group) if output.group else None
    if group is not None and cjk_lang(group.lang):
        return f"{group.slug}/{GROUP_FONT}"
    if not any_cjk(project):
        return ""
    # a page of each kind exists only where site_font_keys declares its font
    return SITE_FONTS.format(LATIN if group is not None else SITE_PAGES.get(output.kind, "index"))


def with_webfont(job: Job, page: str) -> str:
    """The page with its @font-face in place of MARK, when the page has CJK characters and a
    font; a page without any (English, Spanish) loads nothing and carries nothing."""
    chars = cjk_characters(page)
    font = font_of(job.project, job.output) if chars else ""
    if not font:
        return page.replace(MARK, "")
    address = f"{up(job.output)}{href(font)}?v={characters_key(chars)}"
    face = (
        f'<style>@font-face{{font-family:"{FAMILY}";src:url("{address}") format("{flavor()}");'
        f"font-display:swap;unicode-range:{unicode_range()}}}</style>"
    )
    return page.replace(MARK, face, 1)


def pages_of(project: Project, font: str) -> list[str]:
    """The pages that load a font, as dist/ paths: a group's font, its group's pages; a site-wide
    font, the site-wide pages of its kinds, or the pages of the groups in other languages."""
    slug, _, name = font.partition("/")
    if name == GROUP_FONT and slug in project.groups:
        groups = [project.groups[slug]]
        outputs = []
    elif font == SITE_FONTS.format(LATIN):
        groups = [g for _, g in sorted(project.groups.items()) if not cjk_lang(g.lang)]
        outputs = []
    else:
        groups = []
        outputs = [o for o in site_outputs(project) if o.kind in SITE_PAGES]
    for group in groups:
        outputs += [o for o in group_outputs(project, group) if o.kind in GROUP_PAGES]
    return [o.path for o in outputs if font_of(project, o) == font]


def cjk_woff2(job: Job) -> bytes:
    """The subset of the pages' CJK face holding every CJK character its pages show."""
    font = job.output.path
    chars: set[str] = set()
    for path in pages_of(job.project, font):
        try:
            chars |= cjk_characters(job.output_file(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # a page not built yet (--only): when it comes, this is made again
    chain = job.font_chain()
    face = next((f for f in chain.regular if f.covers("中")), chain.regular[0])
    return subset(face, frozenset(chars))
