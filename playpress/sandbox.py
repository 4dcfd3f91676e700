"""The limits every template runs under, playbook texts and theme pages alike.

Jinja's sandbox keeps templates away from Python's insides; these limits keep them from hanging
or filling memory: loop iterations per render, repetition (`"x" * n`), powers (`7 ** n`),
printf-style widths (`"%999999999d"`) and the size of what a template writes are bounded, each
with its own message, so a mistake (or a hostile theme) is a diagnostic instead of a build that
never ends.
"""

from __future__ import annotations

import contextvars
import operator
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import nodes, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_REPEAT = 100_000  # characters or items a `*` may make
MAX_POWER_BITS = 4_096  # digits in binary a `**` may make (2 ** 4096 has 1,234 decimal digits)
MAX_WIDTH_DIGITS = 3  # "%999d" is fine, "%9999d" is not
_WIDE = MAX_WIDTH_DIGITS + 1
WIDE_FORMAT = re.compile(rf"%[-+ #0]*(?:\d{{{_WIDE},}}|\*)|%[-+ #0]*\d*\.\d{{{_WIDE},}}")


class LimitExceeded(SecurityError):
    """A template asked for more work or output than Playpress allows."""


_steps: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_steps")


def counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """The items of a `{% for %}` loop, each counted against the render's budget."""
    budget = _steps.get(None)
    for item in iterable:
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise LimitExceeded("loops ran more than the allowed number of steps")
        yield item


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


class _Bounded(NodeTransformer):
    """Every loop's items counted; every `~` joined by a function that knows the output limit."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "pp_counted", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        return nodes.Filter(
            nodes.List(node.nodes, lineno=node.lineno),
            "pp_joined",
            [],
            [],
            None,
            None,
            lineno=node.lineno,
        )


WIDE_FIELD = re.compile(rf"\{{[^{{}}]*:[^{{}}]*\d{{{_WIDE},}}[^{{}}]*\}}")
GROWING_METHODS = ("center", "ljust", "rjust", "zfill", "expandtabs")


class BoundedEnvironment(SandboxedEnvironment):
    """A sandboxed environment whose templates are bounded (see the module's docstring).

    `max_steps` loop iterations and `max_output` characters per render, through `render_bounded`.
    """

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    max_steps = 100_000
    max_output = 1_000_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = self.max_output

        @pass_eval_context
        def joined(eval_context: Any, parts: list[Any]) -> str:
            if sum(len(str(part)) for part in parts) > limit:
                raise LimitExceeded(f"'~' would make a text more than {limit:,} characters long")
            # type: ignore[no-any-return]
            return markup_join(parts) if eval_context.autoescape else str_join(parts)

        self.filters["pp_counted"] = counted
        self.filters["pp_joined"] = joined

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # type: ignore[no-any-return]
        return _Bounded().visit(super()._parse(source, name, filename))

    def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Calls a template may make (a theme's `labels.x.format(n=3)`), none of them able to
        grow a text past the limits: widths, repeats and replacements are checked first, the
        result after."""
        owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
        numbers = [
            a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)
        ]
        if isinstance(owner, str):
            if name in GROWING_METHODS and any(n > MAX_REPEAT for n in numbers):
                raise LimitExceeded(
                    f"'{name}' would make a text more than {MAX_REPEAT:,} characters long"
                )
            if (
                name == "replace"
                and len(args) >= 2
                and len(owner) * max(1, _size(args[1])) > self.max_output
            ):
                raise LimitExceeded("'replace' would make a text too long")
            if name in ("format", "format_map") and WIDE_FIELD.search(owner):
                raise LimitExceeded("a format asks for a width or precision too large")
        result = super().call(context, obj, *args, **kwargs)
        if _size(result) > self.max_output:
            raise LimitExceeded(f"a call made a text more than {self.max_output:,} characters long")
        return result

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "*":
            count = right if isinstance(right, int) else left if isinstance(left, int) else 0
            if max(_size(left), _size(right)) * max(count, 0) > MAX_REPEAT:
                raise LimitExceeded(
                    f"'*' would repeat a text more than {MAX_REPEAT:,} characters long"
                )
        elif op == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left) > 1
                and (right > MAX_POWER_BITS or abs(left).bit_length() * right > MAX_POWER_BITS)
            ):
                raise LimitExceeded("'**' would make a number too large to print")
        elif op == "%":
            if isinstance(left, str) and WIDE_FORMAT.search(left):
                raise LimitExceeded("a '%' format asks for a width or precision too large")
        elif op == "+" and _size(left) + _size(right) > self.max_output:
            raise LimitExceeded(
                f"'+' would make a text more than {self.max_output:,} characters long"
            )
        return {"*": operator.mul, "**": operator.pow, "%": operator.mod, "+": operator.add}[op](
            left, right
        )

    def render_bounded(self, template: Any, values: dict[str, Any]) -> str:
        """Render within the step budget, stopping as soon as the output passes max_output."""
        token = _steps.set([self.max_steps])
        try:
            parts: list[str] = []
            written = 0
            for part in template.generate(values):
                written += len(part)
                if written > self.max_output:
                    raise LimitExceeded(
                        f"the text would be more than {self.max_output:,} characters long"
                    )
                parts.append(part)
            return "".join(parts)
        finally:
            _steps.reset(token)
