"""Diagnostics: every problem found in a project, with where it is and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # information (a daylight-saving shift, say): never fails a build, even --strict


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.path or "<project>"
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class Report:
    """Collects diagnostics for one run; nothing stops at the first problem."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._seen.update(self.diagnostics)

    def error(self, path: str, line: int, message: str, hint: str = "", col: int = 0) -> None:
        self.add(Diagnostic(path, line, col, ERROR, message, hint))

    def warning(self, path: str, line: int, message: str, hint: str = "", col: int = 0) -> None:
        self.add(Diagnostic(path, line, col, WARNING, message, hint))

    def add_note(self, path: str, line: int, message: str, hint: str = "", col: int = 0) -> None:
        self.add(Diagnostic(path, line, col, NOTE, message, hint))

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.diagnostics.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: (d.path, d.line, d.col, d.message))

    def summary(self) -> str:
        """'2 errors, 1 warning'."""
        errors, warnings = len(self.errors), len(self.warnings)
        return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


BUG = "internal error (a bug in Playpress, not in your project; please report it)"


def bug_report(details: str) -> str:
    """How an engine failure is told, everywhere: the fault is ours, and the traceback to report."""
    return f"{BUG}:\n{details}"


class UserError(Exception):
    """A problem in the user's project found while rendering; becomes a Diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint, or the list of choices when nothing is close."""
    options = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not options:
        return ""
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"expected one of: {shown}"
