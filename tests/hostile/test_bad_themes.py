"""Theme mistakes and theme escapes (issue 11, items 6 and 8).

A project's `themes/default/` overrides the built-in theme file by file. Every mistake in it is
a diagnostic at the theme file's own path and line (not an "internal error", not blamed on a
playbook), and a theme template is sandboxed as strictly as a playbook's: it reads nothing
outside the theme's own folders.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from .harness import Project, assert_refused, assert_unchanged, snapshot
from .projects import PB, SITE_YML

THEME = "themes/default"
THEME_YML = f"{THEME}/theme.yml"
LABELS = f"{THEME}/labels/zh.yml"
INDEX = f"{THEME}/templates/index.html"
SITE_CSS = f"{THEME}/templates/site.css"
HEADLINE = f"{THEME}/posters/headline.yml"
FAKE_FONT = "content/assets/fonts/SourceHanSans.ttf"


def page(*lines: str) -> str:
    """A complete index.html override; `lines` start at line 3."""
    return "\n".join(["<!doctype html>", "<title>{{ site.title }}</title>", *lines]) + "\n"


def write(relpath: str, content: str | bytes) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        project.write(relpath, content, raw=True)

    return apply


def fake_font(theme_yml: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        project.write(FAKE_FONT, b"<html>404 Not Found</html>\n")
        project.write(THEME_YML, theme_yml, raw=True)

    return apply


def folder_in_place(relpath: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        (project / relpath).mkdir(parents=True)

    return apply


def fifo_in_place(relpath: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        (project / relpath).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(project / relpath)

    return apply


# name: (what breaks it, the file an error names, its line: a number, "any", or None: no line)
BREAKS: dict[str, tuple[Callable[[Project], None], str, int | str | None]] = {
    "theme-yml-yaml-syntax": (
        write(THEME_YML, "poster_layouts: [headline, offer\nfonts: {}\n"),
        THEME_YML,
        "any",
    ),
    "theme-yml-is-a-list": (write(THEME_YML, "- headline\n- offer\n"), THEME_YML, 1),
    "theme-yml-layouts-is-a-number": (write(THEME_YML, "poster_layouts: 5\n"), THEME_YML, 1),
    "theme-yml-layout-does-not-exist": (
        write(THEME_YML, "poster_layouts: [nosuch, headline]\n"),
        THEME_YML,
        1,
    ),
    "theme-yml-not-utf8": (write(THEME_YML, b"poster_layouts: [\xff\xfe]\n"), THEME_YML, None),
    "theme-yml-font-is-not-a-font": (fake_font(f"fonts: {{cjk: {FAKE_FONT}}}\n"), THEME_YML, 1),
    "theme-yml-font-is-missing": (
        write(THEME_YML, "fonts: {cjk: content/assets/fonts/nope.ttf}\n"),
        THEME_YML,
        1,
    ),
    "theme-yml-font-is-outside-the-project": (
        write(THEME_YML, "fonts: {cjk: /etc/hostname}\n"),
        THEME_YML,
        1,
    ),
    "labels-yaml-syntax": (write(LABELS, "kinds: {activity: 活动\nfaq: 快捷回复\n"), LABELS, "any"),
    "labels-is-a-list": (write(LABELS, "- 活动\n- 内容\n"), LABELS, 1),
    "labels-weekdays-is-a-number": (write(LABELS, "weekdays: 5\n"), LABELS, 1),
    "labels-kinds-is-a-list": (write(LABELS, "kinds: [活动, 内容]\n"), LABELS, 1),
    "labels-day-n-names-an-unknown-placeholder": (write(LABELS, "day_n: 第{m}天\n"), LABELS, 1),
    "template-syntax-error": (
        write(INDEX, page("{% for g in groups %}", "<p>{{ g.name }}</p>")),
        INDEX,
        "any",
    ),
    "template-unknown-name": (write(INDEX, page("<p>{{ nosuch.name }}</p>")), INDEX, 3),
    "template-missing-include": (write(INDEX, page("{% include 'nope.html' %}")), INDEX, 3),
    "template-unknown-filter": (write(INDEX, page("{{ site.title|shout }}")), INDEX, 3),
    "template-calls-a-text": (write(INDEX, page("{{ site.title() }}")), INDEX, 3),
    "template-extends-itself": (write(INDEX, "{% extends 'index.html' %}\n"), INDEX, 1),
    "template-includes-itself": (write(INDEX, page("{% include 'index.html' %}")), INDEX, 3),
    "template-not-utf8": (write(INDEX, b"<!doctype html>\n<title>\xff\xfe</title>\n"), INDEX, None),
    "template-is-a-folder": (folder_in_place(INDEX), INDEX, None),
    "template-is-a-fifo": (fifo_in_place(INDEX), INDEX, None),
    "stylesheet-template-unknown-name": (
        write(SITE_CSS, "body { color: {{ nosuch }}; }\n"),
        SITE_CSS,
        1,
    ),
    "poster-layout-yaml-syntax": (
        write(HEADLINE, 'background: "#FFFFFF"\nelements: {title: \n'),
        HEADLINE,
        "any",
    ),
    "poster-layout-elements-is-a-number": (
        write(HEADLINE, 'background: "#FFFFFF"\nelements: 5\n'),
        HEADLINE,
        2,
    ),
    "poster-layout-box-has-two-numbers": (
        write(HEADLINE, "elements:\n  title: {box: [0, 0]}\n"),
        HEADLINE,
        2,
    ),
    "poster-layout-colour-is-unknown": (
        write(HEADLINE, "background: notacolour\nelements: {}\n"),
        HEADLINE,
        1,
    ),
}


def refused_at(run, relpath: str, line: int | str | None):  # type: ignore[no-untyped-def]
    if line == "any":
        return assert_refused(run, at=relpath, any_line=True)
    if line is None:
        return assert_refused(run, relpath)
    return assert_refused(run, at=relpath, line=int(line))


@pytest.mark.parametrize("name", BREAKS)
def test_theme_mistake_is_a_diagnostic_at_the_theme_file(project, name: str) -> None:
    apply, relpath, line = BREAKS[name]
    apply(project)
    run = project.build()
    found = refused_at(run, relpath, line)
    assert not found["where"].startswith("playbooks/"), "a theme mistake blamed on a playbook"
    assert_unchanged(project.before, project.snapshot())


CHECKED = [
    "theme-yml-yaml-syntax",
    "theme-yml-font-is-not-a-font",
    "labels-yaml-syntax",
    "template-syntax-error",
    "template-unknown-name",
    "template-missing-include",
    "poster-layout-yaml-syntax",
]


@pytest.mark.parametrize("name", CHECKED)
def test_check_finds_the_theme_mistake(project, name: str) -> None:
    apply, relpath, line = BREAKS[name]
    apply(project)
    refused_at(project.check(), relpath, line)


# --- the sandbox ---------------------------------------------------------------------------------


@pytest.fixture
def secret(outside: Path) -> tuple[Path, str]:
    """A file outside the project that a theme must never read."""
    text = f"TOP-SECRET-{secrets.token_hex(8)}"
    path = outside / "secret.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path, text


OPEN = ".__builtins__.open('{path}').read() }}}}"
ESCAPES = {
    "cycler-globals-builtins-open": "{{{{ cycler.__init__.__globals__" + OPEN,
    "joiner-globals-builtins-open": "{{{{ joiner.__init__.__globals__" + OPEN,
    "namespace-globals-builtins-open": "{{{{ namespace.__init__.__globals__" + OPEN,
    "lipsum-globals-builtins-open": "{{{{ lipsum.__globals__" + OPEN,
    "self-context-to-cycler": (
        "{{{{ self._TemplateReference__context.cycler.__init__.__globals__"
        ".__builtins__.open('{path}').read() }}}}"
    ),
    "str-class-mro-subclasses": "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}",
    "attr-filter-to-globals": "{{{{ (cycler|attr('__init__')|attr('__globals__')) }}}}",
    "format-string-attribute-walk": "{{{{ '{{0.__init__.__globals__}}'.format(cycler) }}}}",
    "model-object-class-globals": "{{{{ site.__class__.__init__.__globals__ }}}}",
    "playbook-object-in-groups": "{{{{ groups[0].playbook.__class__.__init__.__globals__ }}}}",
    "dict-method-reached": "{{{{ labels.__class__.__subclasses__() }}}}",
    "set-then-call-open": (
        "{{% set b = cycler.__init__.__globals__.__builtins__ %}}{{{{ b.open('{path}').read() }}}}"
    ),
}


@pytest.mark.parametrize("name", ESCAPES)
def test_theme_template_cannot_escape_its_sandbox(
    project, secret: tuple[Path, str], name: str
) -> None:
    path, text = secret
    project.write(INDEX, page(ESCAPES[name].format(path=path)), raw=True)
    run = project.build()
    leaked = [f for f, data in snapshot(project.dist).items() if text.encode() in data]
    assert not leaked, f"the secret outside the project was copied into {leaked}"
    assert_refused(run, at=INDEX, line=3)
    assert_unchanged(project.before, project.snapshot())


def relative_to_templates(project: Project, target: Path) -> str:
    return os.path.relpath(target, project / f"{THEME}/templates")


def include_link_out(project: Project, secret: Path) -> str:
    (project / f"{THEME}/templates").mkdir(parents=True, exist_ok=True)
    (project / f"{THEME}/templates/evil.html").symlink_to(secret)
    project.write(INDEX, page("{% include 'evil.html' %}"), raw=True)
    return f"{THEME}/templates/evil.html"


def template_link_out(project: Project, secret: Path) -> str:
    (secret.parent / "index.html").write_text(page("{% include 'secret.txt' %}"), encoding="utf-8")
    (project / f"{THEME}/templates").mkdir(parents=True, exist_ok=True)
    (project / INDEX).symlink_to(secret.parent / "index.html")
    return INDEX


def templates_folder_link_out(project: Project, secret: Path) -> str:
    (secret.parent / "index.html").write_text(page("{% include 'secret.txt' %}"), encoding="utf-8")
    (project / THEME).mkdir(parents=True, exist_ok=True)
    (project / f"{THEME}/templates").symlink_to(secret.parent)
    return f"{THEME}/templates"


def include_dot_dot(project: Project, secret: Path) -> str:
    project.write(
        INDEX, page(f"{{% include '{relative_to_templates(project, secret)}' %}}"), raw=True
    )
    return INDEX


def include_absolute(project: Project, secret: Path) -> str:
    project.write(INDEX, page(f"{{% include '{secret}' %}}"), raw=True)
    return INDEX


def evil_theme(secret: Path) -> Path:
    theme = secret.parent / "evil"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates/index.html").write_text(
        page("{% include 'secret.txt' %}"), encoding="utf-8"
    )
    (theme / "templates/secret.txt").symlink_to(secret)
    return theme


def site_theme_dot_dot(project: Project, secret: Path) -> str:
    name = os.path.relpath(evil_theme(secret), project / "themes")
    project.edit(SITE_YML, "timezone: Asia/Shanghai\n", f"timezone: Asia/Shanghai\ntheme: {name}\n")
    return SITE_YML


def site_theme_absolute(project: Project, secret: Path) -> str:
    project.edit(
        SITE_YML,
        "timezone: Asia/Shanghai\n",
        f"timezone: Asia/Shanghai\ntheme: {evil_theme(secret)}\n",
    )
    return SITE_YML


READS_OUT = {
    "include-through-a-symlink": include_link_out,
    "template-that-is-a-symlink": template_link_out,
    "templates-folder-that-is-a-symlink": templates_folder_link_out,
    "include-with-dot-dot": include_dot_dot,
    "include-of-an-absolute-path": include_absolute,
    "site-theme-name-with-dot-dot": site_theme_dot_dot,
    "site-theme-name-that-is-absolute": site_theme_absolute,
}


@pytest.mark.parametrize("name", READS_OUT)
def test_theme_reads_nothing_outside_the_project(
    project, secret: tuple[Path, str], name: str
) -> None:
    path, text = secret
    names = READS_OUT[name](project, path)
    run = project.build()
    leaked = [f for f, data in snapshot(project.dist).items() if text.encode() in data]
    assert not leaked, f"the secret outside the project was copied into {leaked}"
    assert_refused(run, names)
    assert_unchanged(project.before, project.snapshot())


@pytest.mark.parametrize(
    "expression",
    [
        "{{ cycler.__init__.__globals__ }}",
        "{{ group.__class__ }}",
        "{{ group.name.__class__.__mro__ }}",
        "{{ group.people|attr('__class__') }}",
    ],
    ids=["cycler-globals", "dict-class", "str-mro", "attr-filter"],
)
def test_playbook_template_cannot_escape_its_sandbox(project, expression: str) -> None:
    """These held in the red-team pass: they stay held."""
    project.edit(PB, "  欢迎加入{{ group.name }}！", f"  欢迎加入{expression}！")
    run = project.build()
    assert_refused(
        run, at=PB, line=range(project.line_of(PB, "welcome:"), project.line_of(PB, "phases:"))
    )
    assert_unchanged(project.before, project.snapshot())
