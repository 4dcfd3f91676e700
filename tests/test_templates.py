"""Templates: strict names, sandboxed, only group/playbook/site values."""

import datetime as dt

import pytest

from playpress.diagnostics import UserError
from playpress.model import Group, Playbook, Site, Template
from playpress.templates import context, render

GROUP = Group(
    "g1",
    "content/groups/g1.md",
    "读书会",
    "pb",
    dt.date(2026, 12, 1),
    dt.date(2026, 12, 30),
    "Asia/Shanghai",
    "zh",
    join_url="https://example.com/j",
    people={"host": "小王"},
    vars={"book": "活着"},
)
PLAYBOOK = Playbook("pb", "playbooks/pb.md", "读书会手册", "interest")
SITE = Site("content/site.yml", title="运营中心")
VALUES = context(SITE, PLAYBOOK, GROUP)


def t(source: str) -> Template:
    return Template(source, "playbooks/pb.md", 12, "welcome")


def test_names_are_filled():
    text = render(
        t(
            "{{ group.name }}·{{ group.people.host }}·{{ group.vars.book }}·{{ playbook.title "
            "}}·{{ site.title }}"
        ),
        VALUES,
        GROUP,
    )
    assert text == "读书会·小王·活着·读书会手册·运营中心"


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("{{ group.vars.author }}", "group.vars.author"),
        ("{{ group.peple.host }}", "group.peple"),
        ("{{ nobody }}", "nobody"),
        ("{{ group.name.__class__.__mro__ }}", "__class__"),
        ("{{ ''.__class__ }}", "__class__"),
        ("{{ group.items() }}", "call"),
        ("{{ lipsum.__globals__ }}", "lipsum"),
        ("{{ range(3) }}", "call"),
        ("{% for x in group.vars %}{{ x.__init__ }}{% endfor %}", "__init__"),
        ("{{ group.name ", "syntax"),
    ],
)
def test_bad_templates_name_file_and_line(source, fragment):
    with pytest.raises(UserError) as caught:
        render(t(source), VALUES, GROUP)
    diagnostic = caught.value.diagnostic
    assert (diagnostic.path, diagnostic.line, diagnostic.severity) == (
        "playbooks/pb.md",
        12,
        "error",
    )
    assert fragment in diagnostic.message


def test_plain_text_is_returned_as_is():
    assert render(t("no names here"), VALUES, GROUP) == "no names here"
    assert render(None, VALUES, GROUP) == ""
