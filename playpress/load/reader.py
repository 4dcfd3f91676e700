"""Reading files: front matter and body split, YAML parsed safely with line numbers kept."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from ..diagnostics import ERROR, Diagnostic


class YamlMap(dict):
    """A mapping that remembers the line and column of each key (1-based)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line, self.col = 0, 0
        self.key_marks: dict[Any, tuple[int, int]] = {}

    def line_of(self, key: Any) -> int:
        return self.key_marks.get(key, (self.line, self.col))[0]


class YamlList(list):
    """A sequence that remembers the line of each item (1-based)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line, self.col = 0, 0
        self.item_marks: list[tuple[int, int]] = []

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_marks):
            return self.item_marks[index][0]
        return self.line


# What a file may hold: bigger or deeper files are refused with a message, never parsed for minutes.
MAX_FILE_BYTES = 4 << 20  # a playbook is ~20 KB; 4 MB is two hundred of them
MAX_YAML_NODES = 1_000_000  # values after aliases are expanded (a "billion laughs" file is refused)
MAX_YAML_DEPTH = 40  # nested lists and mappings

# Control characters pasted from Word, Excel or a chat export: invisible, and YAML refuses most.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
# `color: #C62828` unquoted: YAML reads everything from ' #' as a comment, so the value is empty.
COLOUR_AS_COMMENT = re.compile(r"^\s*(?:-\s+)?([^\s#:][^:#]*?)\s*:\s+(#[0-9A-Fa-f]{3,8})\b")


class TypedFloat(float):
    """A decimal number that prints as it was typed (9.80 stays "9.80", not "9.8")."""

    text: str

    def __new__(cls, text: str) -> TypedFloat:
        value = super().__new__(cls, text)
        value.text = text
        return value

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def _implicit(loader: type) -> None:
    """Plain values as an operator means them: only true/false are yes/no, only plain decimals
    are numbers; 20:30 (YAML 1.1 sexagesimal, 1230), 0755 (octal, 493), 1_000, 1e3, yes/no/on/off
    stay text."""
    loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
        ("float", r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+$", "-+0123456789"),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        (
            "timestamp",
            r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
            r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
            r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?)$",
            "0123456789",
        ),
        ("merge", r"^<<$", "<"),
    ):
        loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), list(first))


class _Lines:
    """What both loaders add to PyYAML's: line numbers on every mapping and list, duplicate keys,
    limits."""

    offset = 1  # PyYAML marks are 0-based; the file line of the YAML's first line is added
    duplicates: list[tuple[int, int, str]]
    text = ""  # the YAML itself: folded scalars are folded again from it
    controls: list[tuple[int, int, str]]  # control characters written as YAML escapes ("\0")

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> YamlMap:
        self.flatten_mapping(node)  # type: ignore[attr-defined]
        result = YamlMap()
        offset = self.offset
        result.line, result.col = node.start_mark.line + offset, node.start_mark.column + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            mark = (key_node.start_mark.line + offset, key_node.start_mark.column + 1)
            if key in result:
                self.duplicates.append((*mark, str(key)))
            result[key] = self.construct_object(value_node, deep=True)  # type: ignore[attr-defined]
            result.key_marks[key] = mark
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YamlList:
        # type: ignore[attr-defined]
        result = YamlList(self.construct_object(child, deep=True) for child in node.value)
        result.line, result.col = node.start_mark.line + self.offset, node.start_mark.column + 1
        result.item_marks = [
            (c.start_mark.line + self.offset, c.start_mark.column + 1) for c in node.value
        ]
        return result

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except ValueError:  # 2026-13-01 looks like a date but is not one: validation says so
            return self.construct_scalar(node)  # type: ignore[attr-defined]

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value: str = super().construct_yaml_str(node)  # type: ignore[misc]
        if node.style == ">" and " " in value:  # folded: no space where a line of Chinese broke
            value = refold(self.text[node.start_mark.index : node.end_mark.index], value)
        found = CONTROL.search(value)
        if found:  # written as an escape ("\0", "\e[31m"): invisible in the output all the same
            mark = node.start_mark
            self.controls.append((mark.line + self.offset, mark.column + 1, found.group()))
        return value

    def construct_yaml_float(self, node: yaml.ScalarNode) -> TypedFloat:
        return TypedFloat(self.construct_scalar(node))  # type: ignore[attr-defined]

    def get_single_data(self) -> Any:
        node = self.get_single_node()  # type: ignore[attr-defined]
        if node is None:
            return None
        _check_size(node, self.offset)
        return self.construct_document(node)  # type: ignore[attr-defined]


def refold(block: str, folded: str) -> str:
    """A folded (`>`) scalar joined as a Chinese reader expects: a line break between two lines is
    a space, except next to a wide character (a CJK character or full-width punctuation), where it
    is nothing ("录播课，班主任", not "录播课， 班主任"). Done again from the source only when the
    same reading with spaces gives exactly PyYAML's value; otherwise PyYAML's value stands."""
    lines = block.split("\n")
    header, body = lines[0].split("#")[0].strip(), lines[1:]
    filled = [line for line in body if line.strip()]
    if not header.startswith(">") or not filled:
        return folded
    indent = min(len(line) - len(line.lstrip(" ")) for line in filled)
    content = [line[indent:] if line.strip() else "" for line in body]
    while content and not content[-1]:
        content.pop()
    trailing = len(body) - len(content) - 1

    def fold(wide_joins: bool) -> str:
        out: list[str] = []
        blanks, previous = 0, ""
        for line in content:
            if not line:
                blanks += 1
                continue
            if out:
                special = previous[:1] in (" ", "\t") or line[:1] in (" ", "\t")
                if blanks:
                    out.append("\n" * (blanks + special))
                elif special:
                    out.append("\n")
                elif wide_joins and (_wide(previous[-1]) or _wide(line[0])):
                    out.append("")
                else:
                    out.append(" ")
            out.append(line)
            blanks, previous = 0, line
        text = "".join(out)
        if "-" in header:
            return text
        return text + "\n" + ("\n" * max(trailing, 0) if "+" in header else "")

    return fold(True) if fold(False) == folded else folded


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


class LimitError(yaml.MarkedYAMLError):
    """The YAML is well formed but more than Playpress reads (too many values or too deep)."""


def _check_size(root: yaml.Node, offset: int) -> None:
    """Values after aliases are expanded, and nesting depth, counted without recursion."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise LimitError(
                None,
                None,
                f"lists and mappings nested more than {MAX_YAML_DEPTH} deep",
                node.start_mark,
            )
        children = (
            []
            if isinstance(node, yaml.ScalarNode)
            else [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if done or not children:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            if sizes[id(node)] > MAX_YAML_NODES:
                raise LimitError(
                    None,
                    None,
                    f"more than {MAX_YAML_NODES:,} values once its aliases (*name) are expanded",
                    node.start_mark,
                )
            continue
        if id(node) in sizes:
            continue
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _loader(base: type) -> type:
    class LineLoader(_Lines, base):  # type: ignore[misc, valid-type]
        pass

    _implicit(LineLoader)
    LineLoader.add_constructor("tag:yaml.org,2002:timestamp", LineLoader.construct_yaml_timestamp)
    LineLoader.add_constructor("tag:yaml.org,2002:float", LineLoader.construct_yaml_float)
    LineLoader.add_constructor("tag:yaml.org,2002:str", LineLoader.construct_yaml_str)
    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)
    return LineLoader


# libyaml parses several times faster; on an error the pure-Python parser runs again so that the
# diagnostics read the same on every machine.
FAST_LOADER: type = _loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
SLOW_LOADER: type = _loader(yaml.SafeLoader)


CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "BS",
    "\x0b": "VT",
    "\x0c": "FF",
    "\x1b": "ESC",
    "\x7f": "DEL",
}


def _control(path: str, line: int, col: int, char: str) -> Diagnostic:
    name = CONTROL_NAMES.get(char, "C1 control" if 0x80 <= ord(char) <= 0x9F else "")
    return Diagnostic(
        path,
        line,
        col,
        ERROR,
        f"invisible control character U+{ord(char):04X} {name}".rstrip(),
        "delete it (pasted text often carries one); retype the text around it",
    )


def control_characters(text: str, path: str, first_line: int = 1) -> list[Diagnostic]:
    """One error per line holding an invisible control character, at its column."""
    found: list[Diagnostic] = []
    for number, line in enumerate(text.split("\n"), first_line):
        match = CONTROL.search(line)
        if match:
            found.append(_control(path, number, match.start() + 1, match.group()))
    return found


def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, list[Diagnostic]]:
    """Parse YAML; errors come back as diagnostics pointing at the file's own lines."""
    problems = control_characters(text, path, first_line)
    if problems:
        return None, problems
    data, problems = _parse(text, path, first_line)
    for number, line in enumerate(text.split("\n"), first_line):
        match = COLOUR_AS_COMMENT.match(line)
        if match:
            key, value = match.group(1).strip(), match.group(2)
            problems.append(
                Diagnostic(
                    path,
                    number,
                    match.start(2) + 1,
                    ERROR,
                    f"'{key}' is empty: YAML reads {value} as a comment",
                    f'quote the colour: {key}: "{value}"',
                )
            )
    return (
        None
        if any(p.severity == ERROR and not p.message.startswith("duplicate") for p in problems)
        else data
    ), problems


def _parse(text: str, path: str, first_line: int) -> tuple[Any, list[Diagnostic]]:
    duplicates: list[tuple[int, int, str]] = []
    for number, loader_class in enumerate((FAST_LOADER, SLOW_LOADER)):
        loader = loader_class(text)
        loader.offset, loader.duplicates, loader.controls = first_line, duplicates, []
        loader.text = text
        try:
            data = loader.get_single_data()
        except LimitError as exc:
            mark = exc.problem_mark
            return None, [
                Diagnostic(
                    path,
                    mark.line + first_line if mark else first_line,
                    mark.column + 1 if mark else 0,
                    ERROR,
                    f"too much YAML: {exc.problem}",
                    "write the values out plainly; Playpress reads smaller files",
                )
            ]
        except yaml.YAMLError as exc:
            duplicates.clear()
            if number == 0 and loader_class is not SLOW_LOADER:
                continue  # the pure-Python parser says it with the same words on every machine
            return None, [_syntax_error(exc, path, first_line)]
        except RecursionError:
            return None, [
                Diagnostic(
                    path,
                    first_line,
                    0,
                    ERROR,
                    "too much YAML: nested too deep",
                    f"nest lists and mappings at most {MAX_YAML_DEPTH} deep",
                )
            ]
        finally:
            loader.dispose()
        if loader.controls:
            return None, [_control(path, line, col, char) for line, col, char in loader.controls]
        return data, _duplicate_diagnostics(path, duplicates)
    return None, []


def _syntax_error(exc: yaml.YAMLError, path: str, first_line: int) -> Diagnostic:
    hint = "check indentation and quote values containing ': ', '#', '{' or '['"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        col = mark.column + 1 if mark else 0
        problem = exc.problem or "invalid YAML"
        if exc.context:
            opened = exc.context_mark
            if opened is not None and mark is not None and opened.line != mark.line:
                # an unclosed '[' or '{' is noticed lines later: say where it was opened
                problem = f"{exc.context} opened at line {opened.line + first_line}, {problem}"
            else:
                problem = f"{exc.context}, {problem}"
        return Diagnostic(path, line, col, ERROR, f"YAML syntax: {problem}", hint)
    return Diagnostic(path, first_line, 0, ERROR, f"YAML syntax: {exc}", hint)


def _duplicate_diagnostics(path: str, duplicates: list[tuple[int, int, str]]) -> list[Diagnostic]:
    return [
        Diagnostic(
            path,
            line,
            col,
            ERROR,
            f"duplicate key '{key}'",
            "each key may appear once; remove or rename one",
        )
        for line, col, key in duplicates
    ]


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file split into its front matter and body."""

    path: str
    meta: Any
    body: str
    body_line: int


def normalise_text(raw: bytes) -> str:
    text = raw.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def too_big(path: str, raw: bytes) -> list[Diagnostic]:
    if len(raw) <= MAX_FILE_BYTES:
        return []
    return [
        Diagnostic(
            path,
            1,
            0,
            ERROR,
            f"the file is {len(raw) / (1 << 20):.1f} MB, more than Playpress reads "
            f"({MAX_FILE_BYTES >> 20} MB)",
            "split it, or move long texts out of it",
        )
    ]


def read_markdown(path: str, raw: bytes) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Split front matter (between '---' lines) from the Markdown body."""
    if too_big(path, raw):
        return None, too_big(path, raw)
    try:
        text = normalise_text(raw)
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(
                path,
                1,
                0,
                ERROR,
                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                "save the file as UTF-8",
            )
        ]
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, [
            Diagnostic(
                path,
                1,
                1,
                ERROR,
                "no front matter",
                "start the file with a line '---', then the YAML keys, then a line '---'",
            )
        ]
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return None, [
            Diagnostic(
                path,
                1,
                1,
                ERROR,
                "front matter is not closed",
                "end the YAML keys with a line '---'",
            )
        ]
    meta, diagnostics = parse_yaml("\n".join(lines[1:end]), path, first_line=2)
    diagnostics += control_characters("\n".join(lines[end + 1 :]), path, end + 2)
    body = "\n".join(lines[end + 1 :]).strip("\n")
    body_line = end + 2
    while body_line - 1 < len(lines) and not lines[body_line - 1].strip() and body:
        body_line += 1
    return SourceFile(path, meta, body, body_line), diagnostics


def read_yaml_file(path: str, raw: bytes) -> tuple[Any, list[Diagnostic]]:
    if too_big(path, raw):
        return None, too_big(path, raw)
    try:
        text = normalise_text(raw)
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(
                path, 1, 0, ERROR, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8"
            )
        ]
    return parse_yaml(text, path, first_line=1)
