"""The typed getters every schema uses: a mapping read key by key, each problem reported at its
line."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..almanac import country_problem
from ..diagnostics import Report, did_you_mean
from ..model import Template
from .reader import YamlList, YamlMap


def fingerprint(*parts: Any) -> str:
    """A short hash of plain values (what a model object, a row or a file was made from): caches
    of later stages key on it."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Countries written by name where a code is wanted: the hint gives the code.
COUNTRY_NAMES = {
    "CHINA": "CN",
    "中国": "CN",
    "PRC": "CN",
    "USA": "US",
    "UNITED STATES": "US",
    "美国": "US",
    "MEXICO": "MX",
    "MÉXICO": "MX",
    "墨西哥": "MX",
    "SPAIN": "ES",
    "ESPAÑA": "ES",
    "西班牙": "ES",
}


class Section:
    """One mapping of a file being validated: typed getters that report instead of raising."""

    def __init__(
        self,
        report: Report,
        path: str,
        data: Any,
        where: str,
        known: tuple[str, ...],
        line: int = 1,
    ) -> None:
        self.report, self.path, self.where = report, path, where
        self.ok = isinstance(data, dict)
        self.data: dict[str, Any] = data if self.ok else {}
        self.line = getattr(data, "line", line) or line
        self.sheet = getattr(data, "sheet", "")  # a row of a workbook with several sheets
        if not self.ok and data is not None:
            report.error(
                path,
                self.line,
                f"{where or 'the file'} should be a mapping of keys, not {_kind(data)}",
                "write 'key: value' lines",
            )
        for key in self.data:
            if key not in known:
                report.error(
                    self.path_of(key),
                    self.line_of(key),
                    self.said(f"unknown key '{self.name(str(key))}'"),
                    did_you_mean(str(key), known),
                    col=self.col_of(key),
                )

    def said(self, message: str) -> str:
        """The message, naming the sheet when the data is a row of one of several sheets."""
        return f"{message} in sheet {self.sheet}" if self.sheet else message

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def path_of(self, key: str) -> str:
        """The file a key is written in: a group's own, or the folder `_defaults.yml` it got."""
        return getattr(self.data, "key_paths", {}).get(key, self.path)

    def line_of(self, key: str) -> int:
        if isinstance(self.data, YamlMap):
            return self.data.line_of(key)
        return self.line

    def col_of(self, key: str) -> int:
        if isinstance(self.data, YamlMap) and key in self.data.key_marks:
            return self.data.key_marks[key][1]
        return 0

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.report.error(
            self.path_of(key), self.line_of(key), self.said(message), hint, col=self.col_of(key)
        )

    def warning(self, key: str, message: str, hint: str = "") -> None:
        self.report.warning(
            self.path_of(key), self.line_of(key), self.said(message), hint, col=self.col_of(key)
        )

    def required(self, key: str, hint: str = "") -> bool:
        if not self.has(key) or self.data[key] == "":
            if self.ok:
                self.report.error(
                    self.path,
                    self.line,
                    self.said(f"missing required key '{self.name(key)}'"),
                    hint or f"add '{key}:'",
                )
            return False
        return True

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        if required and not self.required(key):
            return default
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, (dict, list)):
            self.error(
                key,
                f"'{self.name(key)}' should be text, not {_kind(value)}",
                "write a single value",
            )
            return default
        if isinstance(value, bool):
            self.error(key, f"'{self.name(key)}' should be text, not yes/no", "quote the value")
            return default
        return str(value).strip() if not isinstance(value, str) else value.strip("\n")

    def template(self, key: str, required: bool = False) -> Template | None:
        text = self.text(key, required)
        if not self.has(key) or text == "":
            return None
        return Template(text.rstrip("\n"), self.path, self.line_of(key), self.name(key))

    def items(self, key: str) -> list[tuple[str, int, Any]]:
        """A list's items with their names (`sop[3]`) and lines."""
        if not self.has(key):
            return []
        value = self.data[key]
        if not isinstance(value, list):
            self.error(
                key,
                f"'{self.name(key)}' should be a list, not {_kind(value)}",
                "write one '- item' per line",
            )
            return []
        lines = value.item_marks if isinstance(value, YamlList) else []
        return [
            (f"{self.name(key)}[{i}]", lines[i][0] if i < len(lines) else self.line_of(key), item)
            for i, item in enumerate(value)
        ]

    def text_items(self, key: str) -> list[tuple[str, int, str]]:
        """A list of single values: (name, line, text); anything else is reported."""
        result = []
        for name, line, item in self.items(key):
            if isinstance(item, (dict, list)) or item is None:
                self.report.error(
                    self.path_of(key),
                    line,
                    f"'{name}' should be text, not {_kind(item)}",
                    "write one value",
                )
            else:
                result.append((name, line, str(item).strip()))
        return result

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(text for _name, _line, text in self.text_items(key))

    def templates(self, key: str) -> tuple[Template, ...]:
        return tuple(
            Template(text, self.path, line, name) for name, line, text in self.text_items(key)
        )

    def section(self, key: str, known: tuple[str, ...]) -> Section:
        return Section(
            self.report,
            self.path_of(key),
            self.data.get(key),
            self.name(key),
            known,
            self.line_of(key),
        )

    def choice(
        self, key: str, choices: tuple[str, ...], required: bool = False, default: str = ""
    ) -> str:
        value = self.text(key, required, default)
        if self.has(key) and value not in choices:
            self.error(key, f"'{self.name(key)}' is '{value}'", did_you_mean(value, choices))
            return default
        return value

    def date(self, key: str, required: bool = False) -> dt.date | None:
        if required and not self.required(key, f"add '{key}: YYYY-MM-DD'"):
            return None
        if not self.has(key):
            return None
        value = self.data[key]
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.error(
                key,
                f"'{self.name(key)}' is '{value}', not a date",
                "write the date as YYYY-MM-DD, e.g. 2026-12-01",
            )
            return None

    def integer(self, key: str, default: int, minimum: int = 1, maximum: int = 100_000) -> int:
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.error(
                key,
                f"'{self.name(key)}' is '{value}'",
                f"write a whole number from {minimum} to {maximum}",
            )
            return default
        return value

    def timezone(self, key: str, default: str) -> str:
        value = self.text(key, default=default)
        if self.has(key) and not valid_timezone(value):
            self.error(
                key,
                f"'{self.name(key)}' is '{value}', not a known time zone",
                "use an IANA name such as Asia/Shanghai, America/New_York or Europe/Madrid",
            )
            return default
        return value

    def country(self, key: str, default: str) -> str:
        """A holiday calendar: an ISO country code (CN, US, ES-MD), or 'none' for no calendar."""
        value = self.text(key, default=default).strip()
        if not self.has(key):
            return default
        if value.lower() in ("none", ""):
            return ""
        # full-width letters typed with a Chinese input method read as ASCII
        code = unicodedata.normalize("NFKC", value).strip().upper()
        problem = country_problem(COUNTRY_NAMES.get(code, code))
        if problem or code in COUNTRY_NAMES:
            known = COUNTRY_NAMES.get(code)
            self.error(
                key,
                f"'{self.name(key)}': {problem or f'{value!r} is a name, not a country code'}",
                f"write '{key}: {known}'"
                if known
                else "use an ISO country code such as CN, US, MX or ES (a region: ES-MD), or "
                "'none'",
            )
            return default
        return code

    def colour(self, key: str, default: str) -> str:
        value = self.text(key, default=default)
        if self.has(key) and not COLOUR.match(value):
            self.error(
                key,
                f"'{self.name(key)}' is '{value}', not a colour",
                'write a colour as #RRGGBB, e.g. "#C62828" (quoted)',
            )
            return default
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


def valid_timezone(name: str) -> bool:
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return False
    return True


def check_path(root: Path, value: str, report: Report, path: str, line: int, name: str) -> str:
    """A project-relative path that stays inside the project and exists, or ''."""
    text = value.strip()
    if os.path.isabs(text) or text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", text):
        report.error(
            path,
            line,
            f"'{name}' is an absolute path '{text}'",
            "write paths relative to the project root, e.g. content/assets/logo.png",
        )
        return ""
    target = root / text
    try:
        resolved = target.resolve()
        resolved.relative_to(root.resolve())
    except (ValueError, OSError):
        report.error(
            path,
            line,
            f"'{name}' leaves the project: '{text}'",
            "keep files inside the project, e.g. under content/assets/",
        )
        return ""
    if not resolved.is_file():
        report.error(
            path,
            line,
            f"'{name}' names a file that does not exist: '{text}'",
            "check the spelling; paths are relative to the project root",
        )
        return ""
    return resolved.relative_to(root.resolve()).as_posix()
