"""Reading files: front matter and body split, YAML parsed safely with line numbers kept."""

from __future__ import annotations

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


# libyaml parses several times faster; on an error the pure-Python parser runs again so that the
# diagnostics read the same on every machine.
FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_class(first_line: int, duplicates: list[tuple[int, int, str]], base: type = yaml.SafeLoader) -> type:
    offset = first_line  # PyYAML marks are 0-based; add the file line of the YAML's first line

    class LineLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> YamlMap:  # type: ignore[override]
            self.flatten_mapping(node)
            result = YamlMap()
            result.line, result.col = node.start_mark.line + offset, node.start_mark.column + 1
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    key = str(key)
                if key in result:
                    duplicates.append((key_node.start_mark.line + offset, key_node.start_mark.column + 1, str(key)))
                result[key] = self.construct_object(value_node, deep=True)
                result.key_marks[key] = (key_node.start_mark.line + offset, key_node.start_mark.column + 1)
            return result

        def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YamlList:  # type: ignore[override]
            result = YamlList(self.construct_object(child, deep=True) for child in node.value)
            result.line, result.col = node.start_mark.line + offset, node.start_mark.column + 1
            result.item_marks = [(c.start_mark.line + offset, c.start_mark.column + 1) for c in node.value]
            return result

        def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:  # type: ignore[override]
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:  # 2026-13-01 looks like a date but is not one: validation says so
                return self.construct_scalar(node)

    LineLoader.add_constructor("tag:yaml.org,2002:timestamp", LineLoader.construct_yaml_timestamp)
    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)
    return LineLoader


def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, list[Diagnostic]]:
    """Parse YAML; errors come back as diagnostics pointing at the file's own lines."""
    duplicates: list[tuple[int, int, str]] = []
    if FAST_LOADER is not yaml.SafeLoader:
        fast = _loader_class(first_line, duplicates, FAST_LOADER)(text)
        try:
            data = fast.get_single_data()
        except yaml.YAMLError:
            duplicates.clear()
        else:
            return data, _duplicate_diagnostics(path, duplicates)
        finally:
            fast.dispose()
    loader = _loader_class(first_line, duplicates)(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
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
        return None, [Diagnostic(path, line, col, ERROR, f"YAML syntax: {problem}",
                                 "check indentation and quote values containing ': ', '#', '{' or '['")]
    except yaml.YAMLError as exc:
        return None, [Diagnostic(path, first_line, 0, ERROR, f"YAML syntax: {exc}", "fix the YAML")]
    finally:
        loader.dispose()
    return data, _duplicate_diagnostics(path, duplicates)


def _duplicate_diagnostics(path: str, duplicates: list[tuple[int, int, str]]) -> list[Diagnostic]:
    return [Diagnostic(path, line, col, ERROR, f"duplicate key '{key}'", "each key may appear once; remove or rename one")
            for line, col, key in duplicates]


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


def read_markdown(path: str, raw: bytes) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Split front matter (between '---' lines) from the Markdown body."""
    try:
        text = normalise_text(raw)
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(path, 1, 0, ERROR, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                 "save the file as UTF-8")]
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, [Diagnostic(path, 1, 1, ERROR, "no front matter",
                                 "start the file with a line '---', then the YAML keys, then a line '---'")]
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return None, [Diagnostic(path, 1, 1, ERROR, "front matter is not closed",
                                 "end the YAML keys with a line '---'")]
    meta, diagnostics = parse_yaml("\n".join(lines[1:end]), path, first_line=2)
    body = "\n".join(lines[end + 1:]).strip("\n")
    body_line = end + 2
    while body_line - 1 < len(lines) and not lines[body_line - 1].strip() and body:
        body_line += 1
    return SourceFile(path, meta, body, body_line), diagnostics


def read_yaml_file(path: str, raw: bytes) -> tuple[Any, list[Diagnostic]]:
    try:
        text = normalise_text(raw)
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(path, 1, 0, ERROR, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")]
    return parse_yaml(text, path, first_line=1)
