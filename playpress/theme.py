"""Themes: templates, stylesheets, poster layouts and labels, found file by file.

A project's `themes/NAME/` overrides the built-in theme one file at a time. Every lookup is
recorded (found and missing paths alike) so that adding an override rebuilds what it affects.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.meta

from .diagnostics import ERROR, Diagnostic, UserError
from .model import ThemeFiles
from .sandbox import BoundedEnvironment
from .session import Session

BUILTIN_THEMES = Path(__file__).parent / "themes"
DEFAULT_THEME = "default"


class Reads:
    """What one output read while it rendered: project-relative or absolute paths."""

    def __init__(self) -> None:
        self.paths: set[str] = set()
        # what each group shown is made of, by slug: recorded as one set of inputs (state.py)
        self.bundles: dict[str, frozenset[str]] = {}

    def add(self, path: str | os.PathLike[str]) -> None:
        self.paths.add(os.fspath(path))

    def add_bundle(self, key: str, paths: set[str]) -> None:
        if key not in self.bundles:
            self.bundles[key] = frozenset(paths)

    def update(self, paths: set[str]) -> None:
        self.paths |= paths


def theme_dirs(root: Path, name: str) -> tuple[str, ...]:
    """Folders searched in order: the project's theme, a built-in theme of that name, the
    default.

    The project's folder is searched even before it exists, so that the paths looked for there
    are recorded and creating an override rebuilds what it affects.
    """
    dirs = [root / "themes" / name, BUILTIN_THEMES / name, BUILTIN_THEMES / DEFAULT_THEME]
    seen: list[str] = []
    for folder in dirs:
        text = str(folder)
        if text not in seen and (
            folder.is_dir() or folder.parent != BUILTIN_THEMES or folder.name == DEFAULT_THEME
        ):
            seen.append(text)
    return tuple(seen)


class ThemeEnvironment(BoundedEnvironment):
    """Jinja for theme templates: sandboxed and bounded like playbook texts (a theme shared
    between teams has no more power than a playbook), autoescaped, strict about unknown names.

    `labels.kinds` or `day.date` on a plain dict looks the key up first: Jinja's own order tries an
    attribute first, which a dict does not have, and pays for an exception every time (thousands
    of times in a handbook's calendar)."""

    max_steps = 5_000_000  # a year's calendar of a busy group, or the index of thousands of groups
    max_output = 64 << 20

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


PRINTABLE = (str, int, float, dt.date, dt.time, type(None))


def printable(value: Any) -> Any:
    """What a theme's `{{ }}` may print: text, numbers, dates (Markup is text). A Python object's
    repr ({{ self }}, {{ group }}, a mapping) is a mistake in the template, not page content."""
    if isinstance(value, PRINTABLE) or isinstance(value, jinja2.Undefined):
        return value
    raise jinja2.exceptions.SecurityError(
        f"'{type(value).__name__}' is not a value a page can show: name one of its fields"
    )


class ThemeLoader(jinja2.FileSystemLoader):
    """Templates from the theme folders only: a file that is a link out of its theme is refused."""

    def __init__(self, folders: list[str], allowed: list[str]):
        super().__init__(folders)
        self.allowed = [os.path.realpath(a) for a in allowed]

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        if not any(real.startswith(a + os.sep) for a in self.allowed):
            raise jinja2.TemplateNotFound(f"{template} (a link to a file outside the theme)")
        return source, filename, uptodate


def _files_stamp(folders: list[str]) -> tuple:
    stamp = []
    for folder in folders:
        for dirpath, _dirs, files in os.walk(folder):
            for name in sorted(files):
                stat = os.stat(os.path.join(dirpath, name))
                stamp.append((dirpath, name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamp)


class Theme:
    """The theme as renderers use it: its checked files (`ThemeFiles`) and its templates, every
    file looked for recorded as an input of the output that looked."""

    def __init__(self, files: ThemeFiles, session: Session | None = None) -> None:
        self.files, self.dirs, self.session = files, files.dirs, session or Session()
        self._templates_key: tuple = ()

    def candidates(self, relpath: str) -> list[str]:
        return [os.path.join(folder, relpath) for folder in self.dirs]

    def find(self, relpath: str, reads: Reads | None = None) -> str | None:
        """The first existing file for relpath; the paths looked at before it are recorded too."""
        for candidate in self.candidates(relpath):
            if reads is not None:
                reads.add(candidate)
            if os.path.isfile(candidate):
                return candidate
        return None

    def config_inputs(self) -> set[str]:
        return {os.path.join(folder, "theme.yml") for folder in self.dirs}

    def labels(self, lang: str, reads: Reads | None = None) -> dict[str, Any]:
        """Built-in words in one language, the project's theme overriding key by key."""
        if reads is not None:
            for folder in self.dirs:
                reads.add(os.path.join(folder, "labels", f"{lang}.yml"))
        return self.files.labels.get(lang, {})  # type: ignore[return-value]

    def poster_layout(self, name: str, reads: Reads | None = None) -> dict[str, Any] | None:
        """posters/NAME.yml, as checked when the project was read (None: the theme has no such
        layout)."""
        if self.find(f"posters/{name}.yml", reads) is None:
            return None
        return self.files.layouts.get(name)  # type: ignore[return-value]

    @cached_property
    def jinja(self) -> jinja2.Environment:
        """The HTML environment: autoescaped, strict, templates from every theme folder.

        Kept between builds (watch mode) while the template files are the same, so templates are
        compiled once; adding, removing or editing any template starts a fresh environment.
        """
        return self._environment("html")

    @cached_property
    def typst(self) -> jinja2.Environment:
        """The environment of Typst templates (handbook.typ): every value printed as Typst text
        (media/typst_markup), each rendered line marked with the template line it came from;
        sandboxed, bounded and kept between builds as the HTML one."""
        return self._environment("typst")

    def _environment(self, kind: str) -> jinja2.Environment:
        folders = [os.path.join(d, "templates") for d in self.dirs]
        key = self._templates_key = (tuple(folders), _files_stamp(folders))
        env = self.session.environments.get((kind, key))
        if env is None:
            root = self.files.root
            allowed = [
                root if root and folder.startswith(root + os.sep) else folder
                for folder in self.dirs
            ]
            loader = ThemeLoader(folders, allowed)
            if kind == "typst":
                from .media.typst_markup import typst_environment  # Markdown for Typst: PDFs only

                env = typst_environment(loader, ThemeEnvironment, mark_lines=True)
                escaped = env.finalize
                assert escaped is not None
                env.finalize = lambda value: escaped(value if value is None else printable(value))
            else:
                env = ThemeEnvironment(
                    loader=loader,
                    finalize=printable,
                    autoescape=True,
                    undefined=jinja2.StrictUndefined,
                    trim_blocks=True,
                    lstrip_blocks=True,
                    keep_trailing_newline=True,
                )
            self.session.environments.put((kind, key), env)
        return env

    def _template_inputs(self, name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return set()
        seen.add(name)
        paths: set[str] = set()
        found = None
        for candidate in self.candidates(os.path.join("templates", name)):
            paths.add(candidate)
            if os.path.isfile(candidate):
                found = candidate
                break
        if found is None:
            return paths
        source = Path(found).read_text(encoding="utf-8")
        for child in jinja2.meta.find_referenced_templates(self.jinja.parse(source)):
            if child:
                paths |= self._template_inputs(child, seen)
        return paths

    def render(self, name: str, reads: Reads | None, **values: Any) -> str:
        """Render a theme template, recording the template files it uses (and overrides looked
        for)."""
        return self._render(self.jinja, name, reads, values)

    def render_typst(
        self, name: str, reads: Reads | None, **values: Any
    ) -> tuple[str, tuple[tuple[str, int], ...]]:
        """Render a Typst template as `render` does: the source, and for each of its lines the
        template file (as `mistake` shows it) and line it was written at."""
        from .media.typst_markup import unmark

        env = self.typst
        marked = self._render(env, name, reads, values)
        files = [self.shown(file) for file in env.marked_files]  # type: ignore[attr-defined]
        return unmark(marked, files)

    def _render(
        self, env: jinja2.Environment, name: str, reads: Reads | None, values: dict[str, Any]
    ) -> str:
        if reads is not None:
            key = (self._templates_key, name)
            reads.update(
                self.session.template_inputs.get_or_make(
                    key, lambda: self._template_inputs(name, set())
                )
            )
        try:
            return env.render_bounded(env.get_template(name), values)
        except jinja2.TemplateSyntaxError as exc:
            raise self.mistake(
                exc.filename or name, exc.lineno, f"template syntax: {exc.message}"
            ) from None
        except (
            jinja2.TemplateError,
            TypeError,
            ValueError,
            AttributeError,
            KeyError,
            IndexError,
            OverflowError,
            ArithmeticError,
            RecursionError,
        ) as exc:
            where, ours = template_frame(exc.__traceback__, self.dirs)
            theirs = isinstance(exc, jinja2.TemplateError)
            if not theirs and (ours or where is None):
                raise  # raised by Playpress's own code: a bug, reported as one
            file, line = where or (name, 0)
            if isinstance(exc, RecursionError):
                said = "templates include or extend each other without end (one includes itself?)"
            else:
                said = str(exc) if theirs else f"{type(exc).__name__}: {exc}"
            raise self.mistake(file, line, said) from None

    def shown(self, file: str) -> str:
        """A theme file as messages name it: relative to the project, or in the built-in theme."""
        root = self.files.root
        return (
            os.path.relpath(file, root)
            if root and file.startswith(root + os.sep)
            else (
                "<built-in theme>/" + os.path.relpath(file, BUILTIN_THEMES)
                if file.startswith(str(BUILTIN_THEMES))
                else file
            )
        )

    def mistake(self, file: str, line: int | None, message: str) -> UserError:
        """A theme template's mistake as the operator sees it: the template's file and line."""
        return UserError(
            Diagnostic(
                self.shown(file),
                line or 0,
                0,
                ERROR,
                f"theme template: {message}",
                "fix the template (the built-in one shows the names it can use)",
            )
        )


PACKAGE = str(Path(__file__).parent)


def template_frame(
    traceback: TracebackType | None, dirs: tuple[str, ...]
) -> tuple[tuple[str, int] | None, bool]:
    """The innermost frame of a theme template in a traceback (Jinja maps its frames back to the
    template's file and line), and whether Playpress's own code raised the error (a bug): the
    innermost frame is then in this package, not in a template or in Jinja's sandbox."""
    found: tuple[str, int] | None = None
    ours = False
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if any(filename.startswith(folder + os.sep) for folder in dirs):
            found, ours = (filename, traceback.tb_lineno), False
        else:
            ours = filename.startswith(PACKAGE + os.sep)
        traceback = traceback.tb_next
    return found, ours
