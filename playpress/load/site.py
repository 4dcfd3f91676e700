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


def site_from(data: Any, path: str, report: Report) -> Site:
    s = Section(report, path, data if data is not None else YamlMap(), "", SITE_KEYS)
    limits = s.section("limits", ("max_posts_per_day", "screen", "person_posts_per_10min"))
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
        ),
        reminder_minutes=s.integer("reminder_minutes", 10, 0, 10_080),
        holidays=s.country("holidays", ""),
    )
