"""What a renderer gets: one output to make (`Output`) and everything it may use (`Job`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import ERROR, Diagnostic, UserError
from ..files import Staging
from ..media import noto
from ..media.fonts import FONT_ROLES, FontChain, chain_for, parse_face
from ..model import Group, Playbook, Project
from ..session import Session
from ..templates import context
from ..theme import Reads, Theme

# stages: texts and pages, then posters, then PDFs (which show the posters). A renderer of the
# PDF stage gives a document (media/typst_engine.TypstDocument) that the PDF workers compile.
LIGHT, POSTERS, PDF = 0, 1, 2


@dataclass(frozen=True, order=True)
class Output:
    """One file of dist/, relative to it."""

    stage: int
    path: str
    kind: str
    group: str = ""  # the group's slug, for outputs of one group
    # what of the group or the site it is about: a poster's id, a person's id, a date, a tag
    item: str = ""

    @property
    def poster(self) -> str:
        """The poster's id, for posters."""
        return self.item


@dataclass
class Job:
    """Everything one renderer may use; what it reads of files goes through `reads`."""

    project: Project
    theme: Theme
    output: Output
    out_dir: Path
    # the build's; a job made on its own gets its own
    session: Session = field(default_factory=Session)
    reads: Reads = field(default_factory=Reads)
    warnings: list[Diagnostic] = field(default_factory=list)  # problems that do not stop the output
    staging: Staging | None = None  # the build's files not yet in dist/ (see output_file)
    # whether this build makes handbook PDFs (`--no-pdf`: pages do not link to them); a page that
    # asks records the virtual input "option:pdf"
    pdf: bool = True

    def makes_pdf(self) -> bool:
        self.reads.add("option:pdf")
        return self.pdf

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

    def output_file(self, relpath: str) -> Path:
        """An output of dist/ as this build has it (a poster a PDF shows, made in the stage
        before): staged if this build made it, else in dist/. Recorded as an input under its
        dist/ path."""
        self.reads.add(str((self.out_dir / relpath).resolve()))
        return self.staging.path_of(relpath) if self.staging is not None else self.out_dir / relpath

    def base_inputs(self) -> set[str]:
        """What every group output depends on: the site settings, the group (its file or sheet
        row, its folder defaults, the names of its people), its playbook, theme.yml."""
        inputs = {"content/site.yml"} | self.theme.config_inputs()
        if self.output.group:
            self.shows(self.group)
        return inputs

    def shows(self, group: Group) -> None:
        """This output shows a group: what the group is made of, and its playbook, are inputs."""
        self.reads.add_bundle(
            group.slug, group_inputs(group) | {self.project.playbook_of(group).path}
        )

    def font_chain(self) -> FontChain:
        """The faces for the output's language, the theme's `fonts:` overrides first; every font
        file is an input."""
        overrides: dict[str, str] = {}
        for role, value in self.theme.files.fonts.items():
            if role not in FONT_ROLES or not value:
                continue
            face = parse_face(str(value))
            path = face.path if os.path.isabs(face.path) else str(self.asset(face.path))
            if not os.path.isfile(path):
                raise UserError(
                    Diagnostic(
                        "theme.yml",
                        0,
                        0,
                        ERROR,
                        f"fonts.{role}: font file '{face.path}' not found",
                        "give a path relative to the project root, with #N for a face of a "
                        "collection",
                    )
                )
            overrides[role] = f"{path}#{face.index}"
        chain = chain_for(self.lang, overrides)
        if not chain.regular:
            raise UserError(
                Diagnostic(
                    "",
                    0,
                    0,
                    ERROR,
                    "no font found for posters",
                    "pip install manimgx-fonts-cjk, or set fonts: in the theme's theme.yml",
                )
            )
        for path in chain.files + noto.sources_of([*chain.regular, *chain.bold]):
            self.reads.add(path)
        return chain


Renderer = Callable[[Job], Any]  # bytes; in the PDF stage, a document to compile


def group_inputs(group: Group) -> set[str]:
    """What a group's model is made of, as build inputs: its file or sheet row, its folder
    defaults, and the names of its people from people.yml (not the whole file: editing one
    person rebuilds only what shows them)."""
    return {*group.sources, *(f"person-name:{person}" for person in group.person_ids)}
