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


@pytest.mark.parametrize(
    "source",
    [
        "{{ group.name }}",
        "秒杀价 {{ plan.价格 }}元/{{ plan.单位 }}",
        "{{ plan.要点1 }}\n",
        "{{ group.vars.count }} / {{ group.vars.ratio }} / {{ group.vars.nothing }}",
        "{{ group.vars.flag }} {{ group.vars.count }}",
        "{{group.vars.count}}{{ plan.缺 }}",
        "a { b } {{ group.slug }} c",
    ],
)
def test_names_filled_in_without_jinja_print_what_jinja_prints(source: str) -> None:
    """render() fills simple `{{ a.b }}` texts itself (a speed-up): every value prints as Jinja
    prints it, and a plan value with no cell shows the marker and is remembered either way."""
    from playpress.model import PlanRow
    from playpress.templates import _ENV, PlanValues, _compiled, _named, _substitutions

    row = PlanRow(
        "p.csv", "", 2, "s", None, 1, "", {"价格": "9.8", "单位": "斤", "要点1": "看"}, {}
    )
    group = {
        "name": "鲜果铺",
        "slug": "shop",
        "vars": {"count": 16, "ratio": 9.8, "nothing": None, "flag": True, "items": ["a"]}
        | {"table": {"k": 1}},
    }

    def values() -> dict:
        return {"group": _named(group, "group"), "plan": PlanValues(row, "zh")}

    assert _substitutions(source) is not None
    fast, slow = values(), values()
    template = Template(source, "p.md", 3, "copy")
    assert render(template, fast) == _ENV.render_bounded(_compiled(source), slow)
    assert fast["plan"].unfilled == slow["plan"].unfilled


def test_a_list_or_mapping_is_refused_by_the_fast_path_as_by_jinja() -> None:
    group = {"vars": {"items": ["a"], "table": {"k": 1}}}
    for source in ("{{ group.vars.items }}", "{{ group.vars.table }}"):
        with pytest.raises(UserError) as caught:
            render(Template(source, "p.md", 3, "copy"), {"group": group})
        assert "cannot be shown as text" in caught.value.diagnostic.message


def test_texts_with_filters_or_statements_are_left_to_jinja() -> None:
    from playpress.templates import _substitutions

    for source in ("{{ a | upper }}", "{% if a %}{{ a }}{% endif %}", "{{ a.0 }}", "{{ a._b }}"):
        assert _substitutions(source) is None
