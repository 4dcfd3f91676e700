"""The kinds of output, one row each, and the plan: every file of dist/ the project declares.

A row says everything about a kind in one place: its name, its stage, the files it makes, the
function that renders it (imported only when something is rendered: a build with nothing to do
imports neither Pillow nor the PDF engine), its label on the index, and its place after a save. A
new output kind is one module in this folder and one row here, for example:

Kind("faq", LIGHT, per_group("faq.txt"), "texts:faq_txt", label="faq", after_save=2),
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Group, Project
from ..templates import poster_per_occurrence
from .job import LIGHT, PDF, POSTERS, Job, Output, Renderer
from .posts import occurrence_posters

Files = Callable[[Project, Group], list[tuple[str, str]]]  # (path in dist/, poster id or "")


def per_group(name: str) -> Files:
    """One file in each group's folder."""
    return lambda _project, group: [(f"{group.slug}/{name}", "")]


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


@dataclass(frozen=True)
class Kind:
    name: str  # as the build state, the renderers and the tests call it
    stage: int  # LIGHT, POSTERS or PDF: a stage may read what the stage before wrote
    files: Files | str  # per group (a function of the project and the group), or one site-wide file
    render: str  # "module:function" of this folder
    label: str = ""  # the labels key it is listed under on the index ("": not listed)
    after_save: int = 99  # lower first: after a save, what a preview shows comes first
    libraries: tuple[str, ...] = ()  # whose versions shape its bytes: a new version remakes it

    def renderer(self) -> Renderer:
        module, _, function = self.render.partition(":")
        # type: ignore[no-any-return]
        return getattr(importlib.import_module(f"{__package__}.{module}"), function)


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
    Kind("index", LIGHT, "index.html", "site_index:index_html"),
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
        Output(kind.stage, path, kind.name, group.slug, poster)
        for kind in KINDS
        if not isinstance(kind.files, str)
        for path, poster in kind.files(project, group)
    ]


def plan(project: Project, only: tuple[str, ...] = ()) -> list[Output]:
    """Every output the project declares (the groups named by `only`, if given), sorted by stage
    then path."""
    outputs: list[Output] = []
    for slug in sorted(project.groups):
        if only and slug not in only:
            continue
        outputs += group_outputs(project, project.groups[slug])
    outputs += [
        Output(kind.stage, kind.files, kind.name) for kind in KINDS if isinstance(kind.files, str)
    ]
    return sorted(outputs, key=lambda o: (o.stage, o.path, o.kind, o.group, o.poster))
