"""Templates in playbooks and groups: sandboxed Jinja2, strict names, plain values only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.meta
from jinja2.runtime import LoopContext

from .diagnostics import ERROR, Diagnostic, UserError
from .model import Group, Occurrence, PlanRow, Playbook, Poster, Site, SopChange, Template
from .sandbox import BoundedEnvironment, LimitExceeded
from .schedule import group_slots, occurrence_values

# {{ loop.index }}
LOOP_FIELDS = ("index", "index0", "revindex", "revindex0", "first", "last", "length")
# Filters a text may use: none can reach a file, run code, pick at random or make a huge text.
FILTERS = (
    "abs",
    "capitalize",
    "default",
    "d",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "count",
    "list",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "round",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "wordcount",
    "dictsort",
    "striptags",
    "e",
    "escape",
    "safe",
    "items",
    "urlencode",
    "tojson",
)


class _Undefined(jinja2.StrictUndefined):
    """Any use of a missing name fails, naming the full dotted path."""

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        raise jinja2.UndefinedError(f"unknown name '{self._undefined_name}'")

    # type: ignore
    __str__ = __iter__ = __len__ = __bool__ = __eq__ = __ne__ = __hash__ = (
        _fail_with_undefined_error
    )


def _printable(value: Any) -> Any:
    """What `{{ }}` may print: text and numbers; never a Python object's repr (`{{ self }}`, a
    mapping, a list)."""
    if value is None:
        return ""  # an empty value prints as nothing, never "None"
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, jinja2.Undefined):
        return str(value)  # its own error: unknown name '...'
    if isinstance(value, Mapping):
        keys = ", ".join(list(map(str, value))[:4])
        raise jinja2.exceptions.SecurityError(
            f"a mapping cannot be shown as text: name one of its keys ({keys})"
        )
    if isinstance(value, (list, tuple)):
        raise jinja2.exceptions.SecurityError(
            "a list cannot be shown as text: write {{ x|join('、') }} or one item, {{ x[0] }}"
        )
    raise jinja2.exceptions.SecurityError(
        f"'{type(value).__name__}' is not a value a text can show"
    )


class _DataOnlyEnvironment(BoundedEnvironment):
    """Attribute lookups reach keys of plain mappings and items of lists, nothing else."""

    max_output = 200_000  # a chat text, a rule, a poster line: far less than this

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self._lookup(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._lookup(obj, argument)

    def _lookup(self, obj: Any, key: Any) -> Any:
        prefix = getattr(obj, "_pp_name", "")
        name = f"{prefix}.{key}" if prefix else str(key)
        if str(key).startswith("_"):
            raise jinja2.exceptions.SecurityError(f"'{key}' is not reachable from a template")
        if isinstance(obj, PlanValues):
            return obj.cell(str(key))
        if isinstance(obj, Mapping):
            if key in obj:
                return _named(obj[key], name)
        elif isinstance(obj, LoopContext) and key in LOOP_FIELDS:
            return getattr(obj, key)
        elif (
            isinstance(obj, (list, tuple)) and isinstance(key, int) and -len(obj) <= key < len(obj)
        ):
            return obj[key]
        return self.undefined(name=name)

    def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        raise jinja2.exceptions.SecurityError("templates cannot call functions or methods")


class _NamedDict(dict):
    _pp_name = ""


def _named(value: Any, name: str) -> Any:
    if isinstance(value, Mapping):
        named = _NamedDict(value)
        named._pp_name = name
        return named
    return value


_ENV = _DataOnlyEnvironment(
    undefined=_Undefined, autoescape=False, keep_trailing_newline=False, finalize=_printable
)
# no range, lipsum, cycler, joiner, namespace, dict: only the three names below
_ENV.globals.clear()
_ENV.filters = {name: _ENV.filters[name] for name in (*FILTERS, "pp_counted", "pp_joined")}
_ENV.tests = {name: test for name, test in _ENV.tests.items() if name not in ("callable",)}


@lru_cache(maxsize=4096)  # a pure function of the source: the same texts recur in every group
def _compiled(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


# Names only one occurrence of a slot gives: a text that reads one is rendered per occurrence.
PER_OCCURRENCE = frozenset({"occurrence", "plan"})
# What an occurrence's text shows where its plan has no value (no row, or an empty cell).
PLAN_MARKERS = {
    "zh": "【待填：{name}】",
    "en": "[TO FILL: {name}]",
    "es": "[POR COMPLETAR: {name}]",
}


class PlanValues(dict):
    """`plan` of one occurrence: its row's cells by column name. A column with no value (no row,
    or an empty cell) shows the marker when printed, and is remembered in `unfilled` so that the
    checks can say which occurrence still needs it; `{% if plan.X %}` and `plan.X | default('')`
    read it as empty without a word (an optional column)."""

    _pp_name = "plan"

    def __init__(self, row: PlanRow | None, lang: str) -> None:
        super().__init__(row.values if row is not None else {})
        self.row = row
        self.marker = PLAN_MARKERS.get(lang, PLAN_MARKERS["en"])
        self.unfilled: list[str] = []  # columns printed as the marker, in order

    def cell(self, column: str) -> Any:
        value = self.get(column, "")
        return value if value != "" else _Unfilled(self, column)


class _Unfilled(jinja2.Undefined):
    """A plan value that is not there: printed, it is the marker (and is remembered); tested or
    given a default, it is empty."""

    __slots__ = ("_pp_plan",)

    def __init__(self, plan: PlanValues, column: str) -> None:
        super().__init__(name=f"plan.{column}")
        self._pp_plan = plan

    def __str__(self) -> str:
        column = str(self._undefined_name)[len("plan.") :]
        if column not in self._pp_plan.unfilled:
            self._pp_plan.unfilled.append(column)
        return self._pp_plan.marker.format(name=column)


@lru_cache(maxsize=4096)
def _names_read(source: str) -> frozenset[str]:
    if "{" not in source:
        return frozenset()
    try:
        return frozenset(jinja2.meta.find_undeclared_variables(_ENV.parse(source)))
    except jinja2.TemplateSyntaxError:
        return frozenset()  # render() says what is wrong


def names_read(template: Template | None) -> frozenset[str]:
    """The top-level names a template reads (group, occurrence, ...)."""
    return _names_read(template.source) if template is not None else frozenset()


def per_occurrence(template: Template | None) -> bool:
    """Whether a text differs from one occurrence to the next (it reads `occurrence`): only such
    texts are rendered once per occurrence, the others once per slot."""
    return bool(names_read(template) & PER_OCCURRENCE)


def poster_texts_of(poster: Poster) -> list[Template]:
    """The texts of a poster that may read `occurrence` or `plan`, and its image (its qr encodes
    the group's link)."""
    texts = (poster.title, poster.subtitle, *poster.lines, poster.cta, poster.image)
    return [t for t in texts if t]


def poster_per_occurrence(poster: Poster) -> bool:
    """A poster whose texts or image read `occurrence` or `plan` is made once per occurrence that
    shows it."""
    return any(per_occurrence(t) for t in poster_texts_of(poster))


def change_post(change: SopChange) -> Template | None:
    """A `sop_change`'s post when it is a template (holds '{')."""
    if change.post is None or "{" not in change.post:
        return None
    return Template(change.post, change.path, change.line, "sop_change.post")


def post_template_of(occurrence: Occurrence) -> Template | None:
    """The post of an occurrence as a template, when it is one: its change's, else its slot's."""
    change = occurrence.change
    if change is not None and change.post is not None:
        return change_post(change)
    return occurrence.slot.post_template


def occurrence_context(
    values: Mapping[str, Any],
    occurrence: Occurrence,
    weekdays: Sequence[str],
    plan: PlanRow | None = None,
) -> dict[str, Any]:
    """The names a slot's texts (copy, post, its poster's texts and image) see for one
    occurrence: the group's values, `occurrence` (weekdays in the group's language) and `plan`,
    the row of the group's plan sheets for it (see PlanValues; after rendering, its `unfilled`
    says what the text lacked)."""
    seen = occurrence_values(occurrence, weekdays)  # text and numbers already: no _plain
    lang = values["group"]["lang"] if "group" in values else ""
    return {**values, "occurrence": _named(seen, "occurrence"), "plan": PlanValues(plan, lang)}


def _plain(value: Any) -> Any:
    """Only strings, numbers, lists and mappings reach a template."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def context(site: Site, playbook: Playbook, group: Group) -> dict[str, Any]:
    """The three names a template sees, as plain values."""
    values = {
        "group": {
            "name": group.name,
            "slug": group.slug,
            "start": group.start,
            "end": group.end,
            "days": group.days,
            "timezone": group.timezone,
            "lang": group.lang,
            "join_url": group.join_url,
            "qr_expires": group.qr_expires or "",
            "people": dict(group.people),
            "vars": dict(group.vars),
            "events": {name: _event_text(when) for name, when in group.events.items()},
            "brand": {"color": group.brand.color, "accent": group.brand.accent},
        },
        "playbook": {
            "title": playbook.title,
            "slug": playbook.slug,
            "type": playbook.type,
            "model": playbook.model,
            "summary": playbook.summary,
            # the group's slots, so that a welcome can list the times it would otherwise repeat
            "sop": [
                {
                    "id": slot.id,
                    "when": slot.when.text,
                    "time": f"{slot.when.time:%H:%M}",
                    "post": slot.post,
                    "kind": slot.kind,
                    "owner": slot.owner,
                }
                for slot in group_slots(playbook, group)
            ],
        },
        "site": {"title": site.title, "lang": site.lang, "base_url": site.base_url},
    }
    return {name: _named(_plain(value), name) for name, value in values.items()}


def _event_text(when: dt.date | dt.datetime) -> str:
    """An event as the operator wrote it: 2027-01-23, or 2027-01-23 14:00."""
    if isinstance(when, dt.datetime):
        return f"{when:%Y-%m-%d %H:%M}"
    return when.isoformat()


# A text that only substitutes names ("秒杀价 {{ plan.价格 }}元/{{ plan.单位 }}") is filled in
# here rather than by Jinja: the same lookups and printing, a twentieth of the time. Texts made
# per occurrence are mostly of this shape, and a big project renders tens of thousands of them.
_SUBSTITUTION = re.compile(r"\{\{\s*([^{}|()\[\]'\"~+*/%<>=!,:;\s]+)\s*\}\}")
_JINJA_SYNTAX = ("{{", "}}", "{%", "%}", "{#", "#}")


@lru_cache(maxsize=4096)
def _substitutions(source: str) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """The text as (literal, dotted name) pairs when it is only literals and `{{ a.b.c }}`
    substitutions of identifiers, else None (Jinja renders it)."""
    if source.endswith("\n"):  # keep_trailing_newline=False drops one
        source = source[:-1]
    parts: list[tuple[str, tuple[str, ...]]] = []
    position = 0
    for match in _SUBSTITUTION.finditer(source):
        literal = source[position : match.start()]
        names = tuple(match.group(1).split("."))
        if any(token in literal for token in _JINJA_SYNTAX) or not all(
            name.isidentifier() and not name.startswith("_") for name in names
        ):
            return None
        parts.append((literal, names))
        position = match.end()
    tail = source[position:]
    if not parts or any(token in tail for token in _JINJA_SYNTAX):
        return None
    parts.append((tail, ()))
    return tuple(parts)


def _substituted(
    parts: tuple[tuple[str, tuple[str, ...]], ...], values: Mapping[str, Any]
) -> str | None:
    """The text with its names filled in as Jinja would; None when a name is unknown or the text
    too long (Jinja then renders it, and says what is wrong)."""
    out: list[str] = []
    for literal, names in parts:
        out.append(literal)
        if not names:
            continue
        if names[0] not in values:
            return None
        value = values[names[0]]
        for name in names[1:]:
            if isinstance(value, jinja2.Undefined):
                return None  # `a.b.c` past an unknown `a.b`: Jinja names it
            value = _ENV.getattr(value, name)
        if isinstance(value, jinja2.Undefined) and not isinstance(value, _Unfilled):
            return None
        if not (value is None or isinstance(value, (str, int, float, _Unfilled))):
            return None  # a list, a mapping, an object: Jinja's finalize says what is wrong
        out.append("" if value is None else str(value))  # an empty value prints as nothing
    text = "".join(out)
    return text if len(text) <= _ENV.max_output else None


def render(template: Template | None, values: Mapping[str, Any], group: Group | None = None) -> str:
    """Render one template; a problem raises UserError naming the file and line of its key."""
    if template is None:
        return ""
    if "{" not in template.source:
        return template.source
    parts = _substitutions(template.source)
    if parts is not None:
        text = _substituted(parts, values)
        if text is not None:
            return text
    where = f" for group '{group.slug}'" if group else ""
    try:
        return _ENV.render_bounded(_compiled(template.source), dict(values))
    except jinja2.TemplateSyntaxError as exc:
        message, hint = (
            f"template syntax in '{template.key}': {exc.message}",
            "write names as {{ group.name }}",
        )
    except jinja2.UndefinedError as exc:
        message = f"{exc.message} in '{template.key}'{where}"
        hint = (
            "templates know group.*, playbook.* and site.*; add the value "
            "(e.g. to the group's vars) or fix the name"
        )
        unknown = str(exc.message or "")
        if "occurrence" in values and "'occurrence." in unknown:
            hint = (
                "occurrence has date, time, weekday, day, phase, n, days_left, holiday and offset"
            )
        elif "'occurrence" in unknown or "'plan" in unknown:
            name = "plan" if "'plan" in unknown else "occurrence"
            hint = (
                f"{name}.* is known in a slot's copy and post and in the texts and image of its "
                "poster, not here"
            )
    except LimitExceeded as exc:
        message, hint = (
            f"template in '{template.key}' is too big{where}: {exc}",
            "simplify the template",
        )
    except jinja2.exceptions.SecurityError as exc:
        message, hint = (
            f"template in '{template.key}' is not allowed: {exc}",
            "use only group.*, playbook.* and site.* values",
        )
    except jinja2.TemplateError as exc:
        message, hint = (
            f"template in '{template.key}' failed{where}: {exc}",
            "simplify the template",
        )
    except RecursionError:
        message, hint = (
            f"template in '{template.key}' nests too deeply{where}",
            "simplify the template",
        )
    except (TypeError, ValueError, ArithmeticError, LookupError, OverflowError) as exc:
        message, hint = (
            f"template in '{template.key}' failed{where}: {exc}",
            "simplify the template",
        )
    raise UserError(Diagnostic(template.path, template.line, 0, ERROR, message, hint))
