"""content/site.yml: the project's settings."""

from __future__ import annotations

import re
from typing import Any

from ..diagnostics import Report
from ..model import LANGUAGES, Limits, Site
from .fields import Section
from .reader import YamlMap

SITE_KEYS = (
    "title",
    "lang",
    "timezone",
    "theme",
    "base_url",
    "limits",
    "reminder_minutes",
    "holidays",
)


def nested_repeat(pattern: str) -> bool:
    """(a+)+, ((a|b)*)*, (a{2,})+: a repeat inside a repeated group can take exponential time
    over a long copy (Python's re has no time limit), so such patterns are refused."""
    stack: list[bool] = []  # per open group: whether a repeat is inside it
    inside = False  # the group just closed had a repeat inside
    index, escaped, in_class = 0, False, False
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if escaped:
            escaped, inside = False, False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class, inside = True, False
        elif char == "(":
            stack.append(False)
        elif char == ")":
            inside = stack.pop() if stack else False
            if stack:
                stack[-1] = stack[-1] or inside
            continue
        elif char in "*+?{":
            if inside and char != "?":
                return True
            if stack:
                stack[-1] = True
        inside = False
    return False


def placeholder_patterns(limits: Section) -> tuple[str, ...]:
    """`limits.placeholders`: regular expressions of text left to fill (default 【…】 and TODO);
    `[]` checks for none."""
    if not limits.has("placeholders"):
        return Limits.placeholders
    value = limits.data["placeholders"]
    items = (
        [("limits.placeholders", limits.line_of("placeholders"), value)]
        if isinstance(value, str)
        else limits.text_items("placeholders")
    )
    patterns: list[str] = []
    for name, line, text in items:
        try:
            re.compile(text)
        except re.error as exc:
            limits.report.error(
                limits.path,
                line,
                f"'{name}' is '{text}', not a regular expression ({exc})",
                "write e.g. '【[^】]*】' (quoted); escape [ ] ( ) with a backslash",
            )
            continue
        if len(text) > 200 or nested_repeat(text):
            limits.report.error(
                limits.path,
                line,
                f"'{name}' is too complex a pattern to run over every copy",
                "use a short pattern without a repeat inside a repeat, e.g. '【[^】]*】' or 'TODO'",
            )
            continue
        if text and re.fullmatch(text, ""):
            limits.report.error(
                limits.path,
                line,
                f"'{name}' '{text}' matches empty text",
                "match at least one character",
            )
            continue
        patterns.append(text)
    return tuple(patterns)


def site_from(data: Any, path: str, report: Report) -> Site:
    s = Section(report, path, data if data is not None else YamlMap(), "", SITE_KEYS)
    limits = s.section(
        "limits", ("max_posts_per_day", "screen", "person_posts_per_10min", "placeholders")
    )
    screen = limits.section("screen", ("columns", "lines"))
    base_url = s.text("base_url")
    if base_url and not re.match(r"^https?://", base_url):
        s.error(
            "base_url",
            f"'base_url' is '{base_url}'",
            "write the full address, e.g. https://ops.example.com/",
        )
        base_url = ""
    return Site(
        path=path,
        title=s.text("title", default="Playpress"),
        lang=s.choice("lang", LANGUAGES, default="zh"),
        timezone=s.timezone("timezone", "Asia/Shanghai"),
        theme=s.text("theme", default="default"),
        base_url=base_url,
        limits=Limits(
            max_posts_per_day=limits.integer("max_posts_per_day", 5, 1, 100),
            screen_columns=screen.integer("columns", 40, 10, 400),
            screen_lines=screen.integer("lines", 20, 3, 400),
            person_posts_per_10min=limits.integer("person_posts_per_10min", 0, 1, 1000),
            placeholders=placeholder_patterns(limits),
        ),
        reminder_minutes=s.integer("reminder_minutes", 10, 0, 10_080),
        holidays=s.country("holidays", ""),
    )
