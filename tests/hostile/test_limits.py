"""Limits (issue 11, item 2): span length, file size, YAML aliases and nesting, template output size
and time (playbook and theme templates alike), QR payloads. Each ends as a clear error in time,
never as a hang or a memory blow-up (the harness kills a run after its time limit and caps its
address space)."""

from __future__ import annotations

import re
import select
import signal
import time
from collections.abc import Callable

import pytest

from .harness import (
    TIME_LIMIT,
    Project,
    assert_refused,
    assert_tolerated,
    assert_unchanged,
    start,
    stop_group,
)
from .projects import G1, G2, PB, SITE_YML

VARS = 'vars: {topic: 阅读理解, time: "20:00"}'
WELCOME_FIRST = "  欢迎加入{{ group.name }}！"
COPY = 'copy: "今晚{{ group.vars.time }}直播，{{ group.vars.topic }}，不见不散！"'
INDEX = "themes/default/templates/index.html"


def welcome_lines(project: Project) -> range:
    """The welcome key and its block: a template error may point at either."""
    return range(project.line_of(PB, "welcome:"), project.line_of(PB, "phases:"))


def laughs_list() -> str:
    lines = ["vars:", '  l0: &l0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    for level in range(1, 9):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines + ["  topic: 阅读理解", '  time: "20:00"'])


def laughs_map() -> str:
    keys = "abcdefghi"
    lines = ["vars:", "  m0: &m0 {" + ", ".join(f"{k}: 哈" for k in keys) + "}"]
    for level in range(1, 10):
        lines.append(
            f"  m{level}: &m{level} {{" + ", ".join(f"{k}: *m{level - 1}" for k in keys) + "}"
        )
    return "\n".join(lines + ["  topic: 阅读理解", '  time: "20:00"'])


def fifty_megabytes(line: str) -> str:
    return line * (50_000_000 // len(line.encode()) + 1)


def span(value: str) -> Callable[[Project], tuple]:
    def apply(project: Project) -> tuple:
        project.edit(G1, "days: 14", value)
        return (), G1, project.line_of(G1, value.split(":")[0] + ":")

    return apply


def in_vars(text: str) -> Callable[[Project], tuple]:
    def apply(project: Project) -> tuple:
        project.edit(G1, VARS, text)
        return (), G1, None

    return apply


def campaign_day(when: str) -> Callable[[Project], tuple]:
    """A slot on a far campaign day, for groups whose span is the playbook's last campaign day."""

    def apply(project: Project) -> tuple:
        project.edit(G1, "days: 14\n", "")
        project.edit(G2, "days: 7\n", "")
        project.edit(PB, "when: daily 08:00", f"when: {when}")
        return (), PB, project.line_of(PB, f"when: {when}")

    return apply


def campaign_phase(project: Project) -> tuple:
    project.edit(G1, "days: 14\n", "")
    project.edit(G2, "days: 7\n", "")
    project.edit(PB, 'days: "1-7"', 'days: "1-99999999"')
    return (), PB, project.line_of(PB, 'days: "1-99999999"')


def huge(path: str, filler: str) -> Callable[[Project], tuple]:
    def apply(project: Project) -> tuple:
        project.write(path, project.read(path) + fifty_megabytes(filler), raw=True)
        return (), path, None

    return apply


def long_join_url(project: Project) -> tuple:
    project.edit(
        G1, "join_url: https://example.com/j/abc", "join_url: https://example.com/j/" + "a" * 4000
    )
    return (), G1, project.line_of(G1, "join_url:")


def long_poster_qr(project: Project) -> tuple:
    project.edit(PB, "    cta: 扫码进群\n", '    cta: 扫码进群\n    qr: "{{ group.vars.long }}"\n')
    project.edit(G1, VARS, 'vars: {topic: 阅读理解, time: "20:00", long: "' + "码" * 3000 + '"}')
    project.edit(
        G2,
        'vars: {topic: 完形填空, time: "19:30"}',
        'vars: {topic: 完形填空, time: "19:30", long: 短}',
    )
    return (), (PB, G1), None


# Found when the files are read: `check` and `build` alike.
READ_LIMITS: dict[str, Callable[[Project], tuple]] = {
    "end-9999-12-31": span("end: 9999-12-31"),
    "end-in-2100": span("end: 2100-01-01"),
    "days-a-huge-number": span("days: 99999999999999999999999"),
    "billion-laughs-lists-in-vars": in_vars(laughs_list()),
    "billion-laughs-mappings-in-vars": in_vars(laughs_map()),
    "flow-list-nested-500-deep-in-vars": in_vars(
        'vars: {topic: 阅读理解, time: "20:00", deep: ' + "[" * 500 + "]" * 500 + "}"
    ),
    "flow-list-nested-5000-deep-in-vars": in_vars(
        'vars: {topic: 阅读理解, time: "20:00", deep: ' + "[" * 5000 + "]" * 5000 + "}"
    ),
    "flow-mapping-nested-500-deep-in-vars": in_vars(
        'vars: {topic: 阅读理解, time: "20:00", deep: ' + "{a: " * 500 + "1" + "}" * 500 + "}"
    ),
    "slot-on-day-99999999": campaign_day("day 99999999 08:00"),
    "slot-on-days-1-99999999": campaign_day("days 1-99999999 08:00"),
    "phase-on-days-1-99999999": campaign_phase,
    "playbook-of-50-mb": huge(PB, "这一章很长，正文反复出现。\n"),
    "group-file-of-50-mb": huge(G1, "本群备注，很长很长。\n"),
    "site-yml-of-50-mb": huge(SITE_YML, "# 注释很长很长很长很长很长很长很长很长很长很长\n"),
    "join-url-too-long-for-a-qr-code": long_join_url,
    "poster-qr-text-too-long-for-a-qr-code": long_poster_qr,
}


@pytest.mark.parametrize("verb", ["build", "check"])
@pytest.mark.parametrize("name", READ_LIMITS)
def test_read_limit(project, name: str, verb: str) -> None:
    names, at, line = READ_LIMITS[name](project)
    run = project.build() if verb == "build" else project.check()
    assert_refused(run, *names, at=at, line=line, any_line=name.startswith(("billion", "flow")))
    assert_unchanged(project.before, project.snapshot())


def in_welcome(expression: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        project.edit(PB, WELCOME_FIRST, f"  欢迎加入{expression}！")

    return apply


def eight_loops(project: Project) -> None:
    loops = "".join(f"{{% for x{n} in site.title * 10 %}}" for n in range(8))
    project.edit(PB, WELCOME_FIRST, f"  欢迎{loops}哈{'{% endfor %}' * 8}")


def deep_parentheses(project: Project) -> None:
    project.edit(
        PB, WELCOME_FIRST, "  欢迎加入{{ " + "(" * 2000 + "group.name" + ")" * 2000 + " }}！"
    )


# Playbook templates: `check` renders every template too, so both must stop in time.
TEMPLATE_LIMITS: dict[str, Callable[[Project], None]] = {
    "name-times-100000000": in_welcome("{{ group.name * 100000000 }}"),
    "seven-to-the-100000000": lambda p: p.edit(PB, COPY, 'copy: "{{ 7**100000000 }}"'),
    "eight-nested-for-loops": eight_loops,
    "center-to-500000000-columns": in_welcome("{{ group.name|center(500000000) }}"),
    "format-width-500000000": in_welcome('{{ "%0500000000d"|format(1) }}'),
    "parentheses-nested-2000-deep": deep_parentheses,
}


@pytest.mark.parametrize("verb", ["build", "check"])
@pytest.mark.parametrize("name", TEMPLATE_LIMITS)
def test_playbook_template_limit(project, name: str, verb: str) -> None:
    TEMPLATE_LIMITS[name](project)
    run = project.build() if verb == "build" else project.check()
    where = project.line_of(PB, "copy:") if name.startswith("seven") else welcome_lines(project)
    assert_refused(run, at=PB, line=where)
    assert_unchanged(project.before, project.snapshot())


THEME_LIMITS = {
    "range-10-to-the-12": "{% for i in range(10**12) %}.{% endfor %}",
    "two-loops-of-100000": "{% for i in range(100000) %}{% for j in range(100000) %}."
    "{% endfor %}{% endfor %}",
    "a-gigabyte-of-output": "{{ 'x' * 10**9 }}",
}


@pytest.mark.parametrize("name", THEME_LIMITS)
def test_theme_template_limit(project, name: str) -> None:
    project.write(
        INDEX, f"<!doctype html>\n<title>{{{{ site.title }}}}</title>\n{THEME_LIMITS[name]}\n"
    )
    run = project.build()
    assert_refused(run, at=INDEX, line=3)
    assert_unchanged(project.before, project.snapshot())


def test_check_stops_a_theme_template_that_runs_forever(project) -> None:
    project.write(
        INDEX,
        "<!doctype html>\n<title>{{ site.title }}</title>\n"
        "{% for i in range(10**12) %}.{% endfor %}\n",
    )
    assert_refused(project.check(), at=INDEX, line=3)


@pytest.mark.parametrize("verb", ["watch", "serve"])
def test_watch_and_serve_report_a_limit_instead_of_hanging(project, verb: str) -> None:
    """The first build of `watch` / `serve` meets `{{ 7**100000000 }}`: an error line comes within
    the time limit and the process keeps watching (it is stopped by the test)."""
    project.edit(PB, COPY, 'copy: "{{ 7**100000000 }}"')
    extra = ("--port", "0") if verb == "serve" else ()
    process = start(verb, "--no-pdf", *extra, cwd=project.root)
    seen, deadline = b"", time.monotonic() + TIME_LIMIT
    try:
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([process.stderr], [], [], 0.5)
            if ready:
                chunk = process.stderr.read1(65536)  # type: ignore[union-attr]
                seen += chunk
                if re.search(rb"playbooks/course\.md:\d+(:\d+)?: error: ", seen):
                    break
    finally:
        stop_group(process, signal.SIGTERM)
        process.wait(10)
    text = seen.decode("utf-8", "replace")
    assert "Traceback" not in text and "internal error" not in text, text
    assert re.search(r"playbooks/course\.md:\d+(:\d+)?: error: ", text), (
        f"no error line from {verb} within {TIME_LIMIT:.0f} s:\n{text[-2000:]}"
    )
    assert_unchanged(project.before, project.snapshot())


def test_a_group_name_of_a_million_characters(project) -> None:
    """Poster titles shrink to fit their box: a huge name must not make that run for ever."""
    project.edit(G1, "name: 考研英语冲刺1群", "name: " + "长" * 1_000_000)
    run = project.build()
    assert_tolerated(run, project.before, project.snapshot())
