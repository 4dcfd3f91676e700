"""Templates in playbooks and groups: sandboxed Jinja2, strict names, plain values only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.runtime import LoopContext

from .diagnostics import ERROR, Diagnostic, UserError
from .model import Group, Playbook, Site, Template
from .sandbox import BoundedEnvironment, LimitExceeded

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
    """What `{{ }}` may print: text, numbers and plain data; never a Python object's repr ({{
    self }})."""
    if value is None or isinstance(value, (str, int, float, list, dict)):
        return value
    if isinstance(value, jinja2.Undefined):
        return str(value)  # its own error: unknown name '...'
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
            "brand": {"color": group.brand.color, "accent": group.brand.accent},
        },
        "playbook": {
            "title": playbook.title,
            "slug": playbook.slug,
            "type": playbook.type,
            "model": playbook.model,
            "summary": playbook.summary,
        },
        "site": {"title": site.title, "lang": site.lang, "base_url": site.base_url},
    }
    return {name: _named(_plain(value), name) for name, value in values.items()}


def render(template: Template | None, values: Mapping[str, Any], group: Group | None = None) -> str:
    """Render one template; a problem raises UserError naming the file and line of its key."""
    if template is None:
        return ""
    if "{" not in template.source:
        return template.source
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
