"""The kinds of output, one row each, and the plan: every file of dist/ the project declares.

A row says everything about a kind in one place: its name, its stage, the files it makes, the
function that renders it (imported only when something is rendered: a build with nothing to do
imports neither Pillow nor the PDF engine), its label on the index, and its place after a save. A
new output kind is one module in this folder and one row here, for example:

Kind("faq", LIGHT, per_group("faq.txt"), "texts:faq_txt", label="faq", after_save=2),
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..joining import JOIN_DIR, has_join_page, join_page_path, page_images
from ..model import Group, Project
from ..templates import poster_per_occurrence
from .job import LIGHT, PDF, POSTERS, Job, Output, Renderer
from .posts import occurrence_posters

Files = Callable[[Project, Group], list[tuple[str, str]]]  # (path in dist/, item: a poster's id)


def per_group(name: str) -> Files:
    """One file in each group's folder."""
    return lambda _project, group: [(f"{group.slug}/{name}", "")]


@dataclass(frozen=True)
class Each:
    """Site-wide files, one per person, date or tag: `pattern` with the key in place of `{}`."""

    pattern: str
    keys: Callable[[Project], Iterable[str]]

    def __call__(self, project: Project) -> list[tuple[str, str]]:
        return [(self.pattern.format(key), key) for key in self.keys(project)]


def project_dates(project: Project) -> list[str]:
    """Every date some group's span covers (spans are shared by many groups: each once)."""
    dates: set[dt.date] = set()
    for start, end in {(g.start, g.end) for g in project.groups.values()}:
        dates.update(start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return [date.isoformat() for date in sorted(dates)]


def project_tags(project: Project) -> list[str]:
    return sorted({tag for group in project.groups.values() for tag in group.tags})


def per_person(pattern: str) -> Each:
    """One file per person of content/people.yml."""
    return Each(pattern, lambda project: sorted(project.people))


def per_date(pattern: str) -> Each:
    """One file per date of the project (the dates of every group's span)."""
    return Each(pattern, project_dates)


def per_tag(pattern: str) -> Each:
    """One file per tag some group has."""
    return Each(pattern, project_tags)


def per_poster(project: Project, group: Group) -> list[tuple[str, str]]:
    """One PNG per poster of the group's playbook; a poster whose texts read `occurrence`, one
    per occurrence that shows it (posters/ID/DATE.png, see posts.occurrence_posters)."""
    files = [
        (f"{group.slug}/posters/{poster.id}.png", poster.id)
        for poster in project.playbook_of(group).posters
        if not poster_per_occurrence(poster)
    ]
    for path in occurrence_posters(project, group).values():
        files.append((f"{group.slug}/{path}", path.split("/")[1]))
    return files


def join_page(_project: Project, group: Group) -> list[tuple[str, str]]:
    """join/GROUP/index.html, for a group with any way to join."""
    return [(join_page_path(group), "")] if has_join_page(group) else []


def join_images(_project: Project, group: Group) -> list[tuple[str, str]]:
    """The QR images and fallback the join page shows, beside it."""
    return [(f"{JOIN_DIR}/{group.slug}/{name}", "") for name, _source in page_images(group)]


@dataclass(frozen=True)
class Kind:
    name: str  # as the build state, the renderers and the tests call it
    stage: int  # LIGHT, POSTERS or PDF: a stage may read what the stage before wrote
    # per group (a function of the project and the group), site-wide per person, date or tag
    # (Each), or one site-wide file
    files: Files | Each | str
    render: str  # "module:function" of this folder
    label: str = ""  # the labels key it is listed under on the index ("": not listed)
    after_save: int = 99  # lower first: after a save, what a preview shows comes first
    libraries: tuple[str, ...] = ()  # whose versions shape its bytes: a new version remakes it

    @property
    def per_group(self) -> bool:
        return not isinstance(self.files, (str, Each))

    def renderer(self) -> Renderer:
        module, _, function = self.render.partition(":")
        # type: ignore[no-any-return]
        return getattr(importlib.import_module(f"{__package__}.{module}"), function)


# --- the pages' fonts (outputs/webfont.py makes them) ----------------------------------------

GROUP_FONT = "cjk.woff2"  # in the group's folder
SITE_FONTS = "fonts/{}.woff2"
LATIN = "latin"
CJK_LANGS = ("zh", "ja", "ko")


def cjk_lang(lang: str) -> bool:
    return lang.lower().split("-")[0].split("_")[0] in CJK_LANGS


def group_font(_project: Project, group: Group) -> list[tuple[str, str]]:
    """GROUP/cjk.woff2, for a group whose pages are in a CJK language."""
    return [(f"{group.slug}/{GROUP_FONT}", "")] if cjk_lang(group.lang) else []


def any_cjk(project: Project) -> bool:
    """Whether anything of the project is in a CJK language (the site first: usually at once)."""
    return cjk_lang(project.site.lang) or any(cjk_lang(g.lang) for g in project.groups.values())


def site_font_keys(project: Project) -> list[str]:
    """The site-wide fonts (fonts/index.woff2, days, people, latin) of a project with anything in
    a CJK language, each when it has pages; an all-Latin project has none."""
    if not any_cjk(project):
        return []
    keys = ["index", *(["days"] if project.groups else []), *(["people"] if project.people else [])]
    if any(not cjk_lang(group.lang) for group in project.groups.values()):
        keys.append(LATIN)
    return keys


KINDS: tuple[Kind, ...] = (
    Kind(
        "welcome",
        LIGHT,
        per_group("welcome.txt"),
        "texts:welcome_txt",
        label="welcome",
        after_save=0,
    ),
    Kind(
        "rules", LIGHT, per_group("rules.txt"), "texts:rules_txt", label="rules_title", after_save=1
    ),
    Kind("faq", LIGHT, per_group("faq.txt"), "texts:faq_txt", label="faq", after_save=2),
    Kind("ics", LIGHT, per_group("sop.ics"), "sop_ics:sop_ics", label="sop_ics", after_save=6),
    Kind("csv", LIGHT, per_group("sop.csv"), "sop_csv:sop_csv", label="sop_csv", after_save=5),
    Kind(
        "sop_html",
        LIGHT,
        per_group("sop.html"),
        "sop_page:sop_html",
        label="sop_calendar",
        after_save=4,
    ),
    Kind(
        "handbook_html",
        LIGHT,
        per_group("handbook.html"),
        "handbook:handbook_html",
        label="handbook",
        after_save=3,
    ),
    Kind(
        "handbook_pdf",
        PDF,
        per_group("handbook.pdf"),
        "handbook_pdf:handbook_pdf",
        label="handbook_pdf",
        libraries=("typst",),
    ),
    Kind("poster", POSTERS, per_poster, "posters:poster_png"),
    # the pages' CJK font, cut from the characters of the pages the stage before wrote
    Kind("webfont", POSTERS, group_font, "webfont:cjk_woff2"),
    Kind("site_webfont", POSTERS, Each(SITE_FONTS, site_font_keys), "webfont:cjk_woff2"),
    Kind("index", LIGHT, "index.html", "site_index:index_html"),
    # the live join page, its images beside it, and the list of join pages
    Kind("join_page", LIGHT, join_page, "join_page:join_html", label="join_page", after_save=7),
    Kind("join_image", LIGHT, join_images, "join_page:join_image"),
    Kind("join_index", LIGHT, "join/index.html", "join_index:join_index_html"),
    Kind("home", LIGHT, per_group("index.html"), "group_home:home_html", after_save=7),
    Kind(
        "xlsx", LIGHT, per_group("sop.xlsx"), "sop_xlsx:sop_xlsx", label="sop_xlsx", after_save=10
    ),
    Kind(
        "person_page",
        LIGHT,
        per_person("people/{}/index.html"),
        "person_page:person_html",
        after_save=8,
    ),
    Kind(
        "person_ics", LIGHT, per_person("people/{}/sop.ics"), "person_ics:person_ics", after_save=9
    ),
    Kind("days_index", LIGHT, "days/index.html", "days:days_index_html"),
    Kind("day", LIGHT, per_date("days/{}.html"), "days:day_html", after_save=11),
    Kind("tag", LIGHT, per_tag("tags/{}/index.html"), "tag_page:tag_html", after_save=12),
    Kind("scrm_rules", LIGHT, "scrm/sop-rules.xlsx", "scrm_rules:sop_rules_xlsx"),
)
BY_NAME = {kind.name: kind for kind in KINDS}


class LazyRenderer:
    """A kind's renderer, its module imported when first called (or by `load`, before workers
    fork)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self._function: Renderer | None = None

    def load(self) -> Renderer:
        if self._function is None:
            self._function = self.kind.renderer()
        return self._function

    def __call__(self, job: Job) -> Any:
        return self.load()(job)


def renderers() -> dict[str, LazyRenderer]:
    """Output kind -> its renderer."""
    return {kind.name: LazyRenderer(kind) for kind in KINDS}


def group_outputs(project: Project, group: Group) -> list[Output]:
    """The files one group's outputs make, in the order of the kinds table."""
    return [
        Output(kind.stage, path, kind.name, group.slug, item)
        for kind in KINDS
        if kind.per_group
        for path, item in kind.files(project, group)  # type: ignore[operator]
    ]


def site_outputs(project: Project) -> list[Output]:
    """The site-wide files: the index, each person's, each date's and each tag's pages."""
    outputs: list[Output] = []
    for kind in KINDS:
        if isinstance(kind.files, str):
            outputs.append(Output(kind.stage, kind.files, kind.name))
        elif isinstance(kind.files, Each):
            outputs += [
                Output(kind.stage, path, kind.name, "", key) for path, key in kind.files(project)
            ]
    return outputs


TAG_PREFIX = "tag:"


def selected(project: Project, only: tuple[str, ...]) -> set[str]:
    """The slugs `--only` names: groups by slug, and `tag:NAME` for every group with that tag."""
    slugs = {name for name in only if not name.startswith(TAG_PREFIX)}
    tags = {name[len(TAG_PREFIX) :] for name in only if name.startswith(TAG_PREFIX)}
    if tags:
        slugs |= {slug for slug, g in project.groups.items() if tags.intersection(g.tags)}
    return slugs


def plan(project: Project, only: tuple[str, ...] = ()) -> list[Output]:
    """Every output the project declares (the groups named by `only`, if given: the site-wide
    pages are made all the same), sorted by stage then path."""
    wanted = selected(project, only) if only else None
    outputs: list[Output] = []
    for slug in sorted(project.groups):
        if wanted is not None and slug not in wanted:
            continue
        outputs += group_outputs(project, project.groups[slug])
    outputs += site_outputs(project)
    return sorted(outputs, key=lambda o: (o.stage, o.path, o.kind, o.group, o.item))
