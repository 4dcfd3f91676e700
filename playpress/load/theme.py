"""The theme's own files: theme.yml, labels/LANG.yml and posters/LAYOUT.yml, read and checked
like playbooks.

A project's theme folder overrides the built-in theme file by file (labels key by key), so a typo
there is the operator's: it gets file:line, a did-you-mean for unknown keys, and exit status 1.
"""

from __future__ import annotations

import contextlib
import os
import stat
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..diagnostics import Report, did_you_mean
from ..media.fonts import FONT_ROLES, FontFace, font_problem, parse_face
from ..model import LANGUAGES, ThemeFiles
from ..session import Session
from ..theme import BUILTIN_THEMES
from .fields import COLOUR, Section
from .reader import YamlMap, read_yaml_file

THEME_KEYS = ("poster_layouts", "fonts")
LAYOUT_KEYS = ("background", "shapes", "elements", "wide", "square", "without_qr", "with_image")
VARIANTS = ("wide", "square", "without_qr", "with_image")
SHAPE_KEYS = ("box", "fill", "shape", "radius")
TEXT_KEYS = (
    "box",
    "size",
    "bold",
    "color",
    "align",
    "valign",
    "max_lines",
    "line_height",
    "paragraph_gap",
    "bullet",
    "pill",
    "join",
    "balance",
)
ELEMENT_KEYS = {
    "title": TEXT_KEYS,
    "subtitle": TEXT_KEYS,
    "lines": TEXT_KEYS,
    "cta": TEXT_KEYS,
    "logo": ("box", "plate"),
    "qr": ("box", "align", "logo", "frame"),
    "image": ("box", "radius", "focus"),  # a poster's `image`, cropped to fill the box
}
PALETTE = ("brand", "accent", "ink", "white", "paper")
ALIGN, VALIGN, SHAPES = (
    ("left", "center", "right"),
    ("top", "middle", "bottom"),
    ("rect", "ellipse"),
)


def read_theme(dirs: tuple[str, ...], root: Path, session: Session, report: Report) -> ThemeFiles:
    """The theme of a project: its settings, labels of every language and poster layouts,
    checked.

    Read again only when a file of the theme folders changed (a watch session keeps the result).
    """
    key = ("theme", dirs, _stamp(dirs))
    hit = session.validated.get(key)
    if hit is None:
        own = Report()
        hit = session.validated.put(key, (_read(dirs, root, own), list(own.diagnostics)))
    report.extend(hit[1])
    return hit[0]  # type: ignore[no-any-return]


def _read(dirs: tuple[str, ...], root: Path, report: Report) -> ThemeFiles:
    config = theme_settings(dirs, root, report)
    labels = {lang: theme_labels(dirs, lang, root, report) for lang in LANGUAGES}
    layouts: dict[str, dict[str, Any]] = {}
    # layouts with a file (one with mistakes is still a layout: no follow-on errors)
    named: list[str] = []
    for name, line, where in config["poster_layouts"]:
        found = next(
            (
                p
                for p in (os.path.join(d, "posters", f"{name}.yml") for d in dirs)
                if os.path.isfile(p)
            ),
            None,
        )
        if found is None:
            report.error(
                where,
                line,
                f"poster layout '{name}' has no file posters/{name}.yml in the theme",
                "add the layout file, or remove the name from poster_layouts",
            )
            continue
        named.append(name)
        layout = poster_layout(found, root, report)
        if layout is not None:
            layouts[name] = layout
    template_problems(dirs, root, report)
    return ThemeFiles(dirs, str(root), tuple(named), config["fonts"], labels, layouts)


def shown(path: str, root: Path) -> str:
    """A theme file as messages name it: relative to the project, or inside the built-in theme."""
    for base, prefix in ((root, ""), (BUILTIN_THEMES, "<built-in theme>/")):
        try:
            return prefix + Path(path).relative_to(base).as_posix()
        except ValueError:
            continue
    return path


def _yaml(path: str, root: Path, report: Report) -> tuple[Any, str]:
    where = shown(path, root)
    if _inside(path, str(root)) and not _inside(os.path.realpath(path), os.path.realpath(root)):
        report.error(
            where,
            0,
            "this theme file is a link to a file outside the project",
            "copy the file into the theme instead of linking it",
        )
        return None, where
    data, problems = read_yaml_file(where, Path(path).read_bytes())
    report.extend(problems)
    return (None if problems else data), where


def theme_settings(dirs: tuple[str, ...], root: Path, report: Report) -> dict[str, Any]:
    """theme.yml of every folder, the project's keys winning: poster_layouts (name, line, file),
    fonts."""
    settings: dict[str, Any] = {"poster_layouts": [], "fonts": {}}
    for folder in reversed(dirs):
        path = os.path.join(folder, "theme.yml")
        if not os.path.isfile(path):
            continue
        data, where = _yaml(path, root, report)
        s = Section(report, where, data if data is not None else YamlMap(), "", THEME_KEYS)
        if s.has("poster_layouts"):
            items = s.text_items("poster_layouts")
            settings["poster_layouts"] = [(name, line, where) for _n, line, name in items]
        if s.has("fonts"):
            fonts = s.section("fonts", FONT_ROLES)
            for role in FONT_ROLES:
                if fonts.has(role) and _font_exists(fonts, role, root):
                    settings["fonts"][role] = fonts.text(role)
    return settings


def _font_exists(fonts: Section, role: str, root: Path) -> bool:
    face = parse_face(fonts.text(role))
    path = face.path if os.path.isabs(face.path) else os.path.join(root, face.path)
    if not os.path.isfile(path):
        problem = "not found"
    else:
        problem = font_problem(FontFace(path, face.index))
        if not problem:
            return True
    fonts.error(
        role,
        f"fonts.{role}: font file '{face.path}' {problem}",
        "give a TrueType or OpenType font (.ttf, .otf, .ttc) relative to the project root, "
        "with #N for a face of a collection",
    )
    return False


def theme_labels(dirs: tuple[str, ...], lang: str, root: Path, report: Report) -> dict[str, Any]:
    """Built-in words in one language, a project's labels file overriding them key by key.

    An override must keep each word's shape: text stays text (with the same {placeholders}), a
    list keeps its length (seven weekdays), a mapping is merged key by key."""
    merged: dict[str, Any] = {}
    for folder in reversed(dirs):
        path = os.path.join(folder, "labels", f"{lang}.yml")
        if not os.path.isfile(path):
            continue
        data, where = _yaml(path, root, report)
        if data is None:
            continue
        if not merged:  # the built-in file: the reference the overrides are checked against
            merged = dict(data) if isinstance(data, dict) else {}
            continue
        s = Section(report, where, data, "", tuple(merged))
        for key in s.data:
            if key in merged and _label_fits(s, str(key), merged[key]):
                value = s.data[key]
                merged[key] = {**merged[key], **value} if isinstance(value, dict) else value
    return merged


def _label_fits(s: Section, key: str, builtin: Any) -> bool:
    value = s.data[key]
    if isinstance(builtin, dict):
        if not isinstance(value, dict):
            s.error(
                key,
                f"label '{key}' should be a mapping like the built-in one",
                f"write '{key}: {{...}}'",
            )
            return False
        inner = s.section(key, tuple(str(k) for k in builtin))
        return not [k for k in inner.data if k not in builtin]
    if isinstance(builtin, list):
        if not isinstance(value, list) or len(value) != len(builtin):
            s.error(
                key,
                f"label '{key}' should be a list of {len(builtin)} words, like the built-in one",
                f"write '{key}: [{', '.join(str(v) for v in builtin[:3])}, ...]'",
            )
            return False
        return True
    if isinstance(value, (dict, list)) or value is None:
        s.error(key, f"label '{key}' should be text", "write one line of text")
        return False
    wanted, used = _placeholders(str(builtin)), _placeholders(str(value))
    if used is None or not used <= (wanted or set()):
        extra = sorted((used or set()) - (wanted or set()))
        s.error(
            key,
            f"label '{key}' uses {{{', '.join(extra) or '...'}}}, which is not filled in here",
            f"use only {', '.join('{' + n + '}' for n in sorted(wanted or ())) or 'plain text'}"
            " (write {{ and }} for braces)",
        )
        return False
    return True


def _placeholders(text: str) -> set[str] | None:
    """The {names} of a format string; None when it is not a valid one."""
    try:
        return {
            name.split(".")[0].split("[")[0]
            for _lit, name, _spec, _conv in string.Formatter().parse(text)
            if name is not None
        }
    except ValueError:
        return None


def poster_layout(path: str, root: Path, report: Report) -> dict[str, Any] | None:
    """A posters/LAYOUT.yml: boxes, sizes and colours checked, with variants (wide, without_qr,
    with_image)."""
    data, where = _yaml(path, root, report)
    if data is None:
        return None
    before = len(report.errors)
    _check_layout(Section(report, where, data, "", LAYOUT_KEYS))
    return dict(data) if len(report.errors) == before else None


def _check_layout(s: Section) -> None:
    if s.has("background"):
        _colour(s, "background", plain=True)
    for name, line, item in s.items("shapes"):
        shape = Section(s.report, s.path, item, name, SHAPE_KEYS, line)
        if shape.ok:
            _box(shape, "box", required=True)
            if shape.has("fill"):
                _colour(shape, "fill")
            shape.choice("shape", SHAPES)
            _number(shape, "radius", 0, 0.5)
    elements = s.section("elements", tuple(ELEMENT_KEYS))
    for element, known in ELEMENT_KEYS.items():
        if not elements.has(element):
            continue
        e = elements.section(element, known)
        _box(e, "box", required=True)
        for key in ("color", "bullet", "pill", "plate", "frame"):
            if key in known and e.has(key):
                _colour(e, key)
        if "size" in known and e.has("size"):
            _pair(e, "size")
        e.choice("align", ALIGN)
        e.choice("valign", VALIGN)
        if e.has("max_lines"):
            e.integer("max_lines", 0, 0, 100)
        for key, low, high in (("line_height", 0.5, 4.0), ("paragraph_gap", 0.0, 4.0)):
            _number(e, key, low, high)
        if "radius" in known:
            _number(e, "radius", 0, 0.5)
        if "focus" in known and e.has("focus"):
            focus = _numbers(e.data["focus"], 2)
            if focus is None or not all(0 <= v <= 1 for v in focus):
                e.error(
                    "focus",
                    f"'{e.name('focus')}' is {e.data['focus']!r}",
                    "write [across, down] from 0 to 1: the point of the picture kept in the box, "
                    "e.g. [0.5, 0.5] for its middle",
                )
        for key in ("bold", "balance", "logo"):
            if key in known and e.has(key) and not isinstance(e.data[key], bool):
                e.error(key, f"'{e.name(key)}' should be true or false", "write true or false")
    for variant in VARIANTS:
        if s.has(variant):
            _check_layout(s.section(variant, LAYOUT_KEYS))


def _colour(s: Section, key: str, plain: bool = False) -> None:
    value = s.text(key)
    names = () if plain else PALETTE + tuple(f"on-{n}" for n in PALETTE)
    if value in names or COLOUR.match(value):
        return
    s.error(
        key,
        f"'{s.name(key)}' is '{value}', not a colour",
        f"write {'one of ' + ', '.join(names) + ', or ' if names else ''}#RRGGBB (quoted)"
        if value.startswith("#") or plain
        else did_you_mean(value, names),
    )


def _numbers(value: Any, count: int) -> list[float] | None:
    if not isinstance(value, list) or len(value) != count:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    return [float(v) for v in value]


def _box(s: Section, key: str, required: bool = False) -> None:
    if not s.has(key):
        if required and s.ok:
            s.report.error(
                s.path,
                s.line,
                f"missing required key '{s.name(key)}'",
                "add 'box: [x, y, width, height]' as fractions of the poster",
            )
        return
    box = _numbers(s.data[key], 4)
    if (
        box is None
        or not all(0 <= v <= 1 for v in box)
        or box[0] + box[2] > 1.0001
        or box[1] + box[3] > 1.0001
    ):
        s.error(
            key,
            f"'{s.name(key)}' is {s.data[key]!r}",
            "write [x, y, width, height] as fractions of the poster (0 to 1), inside it",
        )


def _pair(s: Section, key: str) -> None:
    pair = _numbers(s.data[key], 2)
    if pair is None or not all(0 < v <= 1 for v in pair):
        s.error(
            key,
            f"'{s.name(key)}' is {s.data[key]!r}",
            "write [largest, smallest] text sizes as fractions of the poster's short side, e.g. "
            "[0.06, 0.035]",
        )


def _number(s: Section, key: str, low: float, high: float) -> None:
    if not s.has(key):
        return
    value = s.data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        s.error(key, f"'{s.name(key)}' is {value!r}", f"write a number from {low:g} to {high:g}")


def _stamp(dirs: Iterable[str]) -> tuple:
    """Which files the theme folders hold, with their kinds, sizes and times: a changed settings
    file, label file, layout or template (or one that became a folder, a pipe, a link) reads and
    checks the theme again."""
    stamp = []
    for folder in dirs:
        for sub in ("", "labels", "posters"):
            try:
                with os.scandir(os.path.join(folder, sub)) as listing:
                    for entry in listing:
                        if entry.name.endswith(".yml"):
                            info = entry.stat(follow_symlinks=False)
                            stamp.append((entry.path, info.st_mode, info.st_mtime_ns, info.st_size))
            except OSError:
                continue
        pending = [os.path.join(folder, "templates")]
        while pending:
            current = pending.pop()
            try:
                with os.scandir(current) as listing:
                    for entry in listing:
                        info = entry.stat(follow_symlinks=False)
                        stamp.append((entry.path, info.st_mode, info.st_mtime_ns, info.st_size))
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
                        elif entry.is_symlink():  # where a link leads, and what is there
                            with contextlib.suppress(OSError):
                                target = os.stat(entry.path)
                                stamp.append(
                                    (os.path.realpath(entry.path), target.st_mode,
                                     target.st_mtime_ns, target.st_size)
                                )  # fmt: skip
            except OSError:
                continue
    return tuple(sorted(stamp))


TEMPLATE_SUFFIXES = (".html", ".css", ".typ", ".js", ".svg", ".txt")


def template_problems(dirs: tuple[str, ...], root: Path, report: Report) -> None:
    """The project's own theme templates: their syntax, the templates they include, and that none
    is a link out of the project (a shared theme must not read the operator's other files)."""
    import jinja2
    import jinja2.meta

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    real_root = os.path.realpath(root)
    for folder in dirs:
        templates = os.path.join(folder, "templates")
        if not _inside(folder, str(root)) or not os.path.isdir(templates):
            continue  # the built-in theme is checked by Playpress's own tests
        for dirpath, folders, files in os.walk(templates):
            for name in sorted(folders):
                if name.endswith(TEMPLATE_SUFFIXES):
                    where = shown(os.path.join(dirpath, name), root)
                    report.error(
                        where, 0, "a folder where a template should be", "remove or rename it"
                    )
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                where = shown(path, root)
                if not _inside(os.path.realpath(path), real_root):
                    report.error(
                        where,
                        0,
                        "this theme file is a link to a file outside the project",
                        "copy the file into the theme instead of linking it",
                    )
                    continue
                if not name.endswith(TEMPLATE_SUFFIXES):
                    continue
                if not os.path.isfile(path) or not stat.S_ISREG(os.stat(path).st_mode):
                    report.error(
                        where,
                        0,
                        "not a regular file (a pipe, socket or device)",
                        "make it a plain text file",
                    )
                    continue
                try:
                    source = Path(path).read_text(encoding="utf-8")
                    tree = env.parse(source, name, path)
                except UnicodeDecodeError:
                    report.error(where, 0, "not UTF-8 text", "save the file as UTF-8")
                    continue
                except jinja2.TemplateSyntaxError as exc:
                    report.error(
                        where,
                        exc.lineno or 0,
                        f"template syntax: {exc.message}",
                        "fix the template; see the built-in one beside it for its tags",
                    )
                    continue
                own = os.path.relpath(path, templates).replace(os.sep, "/")
                for child in jinja2.meta.find_referenced_templates(tree):
                    if child == own:
                        line = next(
                            (n for n, t in enumerate(source.split("\n"), 1) if child in t), 0
                        )
                        report.error(
                            where,
                            line,
                            f"the template includes or extends itself ('{child}')",
                            "include another template (or a copy of the built-in one, renamed)",
                        )
                        continue
                    if child and not any(
                        os.path.isfile(os.path.join(d, "templates", child)) for d in dirs
                    ):
                        line = next(
                            (n for n, text in enumerate(source.split("\n"), 1) if child in text), 0
                        )
                        report.error(
                            where,
                            line,
                            f"the template it includes, '{child}', is in no theme folder",
                            "fix the name or add the template to the theme's templates/",
                        )


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
