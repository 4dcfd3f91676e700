"""The plan: for every group and its playbook, the outputs it declares and how each is rendered."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic
from .model import Group, Playbook, Project
from .templates import context
from .theme import Reads, Theme

LIGHT, POSTERS, PDF = 0, 1, 2  # stages: texts and pages, then posters, then PDFs (which show the posters)


@dataclass(frozen=True, order=True)
class Output:
    """One file of dist/, relative to it."""

    stage: int
    path: str
    kind: str
    group: str = ""
    poster: str = ""

    @property
    def heavy(self) -> bool:
        return self.stage != LIGHT


@dataclass
class Job:
    """Everything one renderer may use; what it reads of files goes through `reads`."""

    project: Project
    theme: Theme
    output: Output
    out_dir: Path
    reads: Reads = field(default_factory=Reads)
    warnings: list[Diagnostic] = field(default_factory=list)  # problems that do not stop the output

    @property
    def root(self) -> Path:
        return Path(self.project.root)

    @property
    def group(self) -> Group:
        return self.project.groups[self.output.group]

    @property
    def playbook(self) -> Playbook:
        return self.project.playbook_of(self.group)

    @property
    def lang(self) -> str:
        return self.group.lang if self.output.group else self.project.site.lang

    @property
    def values(self) -> dict[str, Any]:
        """The template context of this output's group."""
        return context(self.project.site, self.playbook, self.group)

    def labels(self, lang: str | None = None) -> dict[str, Any]:
        return self.theme.labels(lang or self.lang, self.reads)

    def asset(self, relpath: str) -> Path:
        """A project file (already checked to stay in the project); recorded as an input."""
        self.reads.add(relpath)
        return self.root / relpath

    def base_inputs(self) -> set[str]:
        """What every group output depends on: the site settings, the group, its playbook, theme.yml."""
        inputs = {"content/site.yml"} | self.theme.config_inputs()
        if self.output.group:
            inputs |= {self.group.path, self.playbook.path}
        return inputs


Renderer = Callable[[Job], bytes]


def renderers() -> dict[str, Renderer]:
    """Output kind -> renderer. A new output kind is one module and one line here."""
    from . import site_index, texts

    table: dict[str, Renderer] = {
        "welcome": texts.welcome_txt,
        "rules": texts.rules_txt,
        "faq": texts.faq_txt,
        "index": site_index.index_html,
    }
    for module_name, names in OPTIONAL_KINDS.items():
        if importlib.util.find_spec(f"{__package__}.{module_name}") is None:
            continue
        for kind, function in names.items():
            table[kind] = LazyRenderer(module_name, function)
    return table


class LazyRenderer:
    """A renderer whose module (Pillow, WeasyPrint...) is imported when first used: a build with
    nothing to render imports none of them."""

    def __init__(self, module: str, function: str):
        self.module, self.function = module, function

    def load(self) -> Renderer:
        return getattr(importlib.import_module(f"{__package__}.{self.module}"), self.function)  # type: ignore[no-any-return]

    def __call__(self, job: Job) -> bytes:
        return self.load()(job)


# Output kinds whose modules are added by later stages of the work: module -> {kind: function}.
OPTIONAL_KINDS: dict[str, dict[str, str]] = {
    "calendar": {"ics": "sop_ics", "csv": "sop_csv", "sop_html": "sop_html"},
    "posters": {"poster": "poster_png"},
    "handbook": {"handbook_html": "handbook_html"},
    "handbook_pdf": {"handbook_pdf": "handbook_pdf"},
}


def group_outputs(project: Project, group: Group, kinds: set[str]) -> list[Output]:
    playbook = project.playbook_of(group)
    slug = group.slug
    wanted = [
        (LIGHT, "welcome.txt", "welcome"), (LIGHT, "rules.txt", "rules"), (LIGHT, "faq.txt", "faq"),
        (LIGHT, "sop.ics", "ics"), (LIGHT, "sop.csv", "csv"), (LIGHT, "sop.html", "sop_html"),
        (LIGHT, "handbook.html", "handbook_html"), (PDF, "handbook.pdf", "handbook_pdf"),
    ]
    outputs = [Output(stage, f"{slug}/{name}", kind, slug) for stage, name, kind in wanted if kind in kinds]
    if "poster" in kinds:
        outputs += [Output(POSTERS, f"{slug}/posters/{poster.id}.png", "poster", slug, poster.id)
                    for poster in playbook.posters]
    return outputs


def plan(project: Project, kinds: set[str], only: tuple[str, ...] = ()) -> list[Output]:
    """Every output the project declares, sorted by stage then path."""
    outputs: list[Output] = []
    for slug in sorted(project.groups):
        if only and slug not in only:
            continue
        outputs += group_outputs(project, project.groups[slug], kinds)
    outputs.append(Output(LIGHT, "index.html", "index"))
    return sorted(outputs, key=lambda o: (o.stage, o.path, o.kind, o.group, o.poster))  # the dataclass order, faster

