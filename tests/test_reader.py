"""Front matter splitting and YAML line numbers."""

from playpress.load.reader import parse_yaml, read_markdown


def test_front_matter_lines_point_at_the_file():
    raw = (
        "---\ntitle: T\nsop:\n  - when: daily 08:00\n    post: 早安\n---\n\n# Body\ntext\n".encode()
    )
    source, problems = read_markdown("playbooks/x.md", raw)
    assert problems == []
    assert source.meta.line_of("title") == 2
    assert source.meta["sop"].line_of(0) == 4
    assert source.meta["sop"][0].line_of("post") == 5
    assert source.body.startswith("# Body")
    assert source.body_line == 8


def test_yaml_error_is_reported_with_its_line_never_swallowed():
    raw = b"---\ntitle: T\nroles:\n  - {id: a, title: [x}\n---\n"
    source, problems = read_markdown("playbooks/x.md", raw)
    assert len(problems) == 1
    assert problems[0].line == 4 and problems[0].severity == "error"
    assert "YAML" in problems[0].message


def test_duplicate_keys_are_errors():
    data, problems = parse_yaml("a: 1\nb: 2\na: 3\n", "content/site.yml")
    assert [(p.line, p.message) for p in problems] == [(3, "duplicate key 'a'")]


def test_missing_or_unclosed_front_matter():
    _, problems = read_markdown("g.md", b"name: x\n")
    assert "no front matter" in problems[0].message
    _, problems = read_markdown("g.md", b"---\nname: x\n")
    assert "not closed" in problems[0].message


def test_bom_and_crlf_are_accepted():
    source, problems = read_markdown("g.md", "\ufeff---\r\nname: 群\r\n---\r\nbody\r\n".encode())
    assert problems == [] and source.meta["name"] == "群" and source.body == "body"


def test_an_unclosed_bracket_names_the_line_that_opened_it():
    raw = b"---\ntitle: T\ntype: [interest\nmodel: checkin\n---\n"
    _, problems = read_markdown("playbooks/x.md", raw)
    assert len(problems) == 1
    assert "opened at line 3" in problems[0].message


def test_folded_chinese_lines_are_joined_without_a_space() -> None:
    """A `>` summary written over several lines reads as one Chinese sentence; Latin words keep
    their space; blank lines and more-indented lines keep YAML's own meaning."""
    data, problems = parse_yaml(
        "summary: >-\n  录播课，\n  班主任答疑\n  every day\n  at 8.\n\n  次段\n", "p.md"
    )
    assert not problems and data["summary"] == "录播课，班主任答疑every day at 8.\n次段"
    data, _ = parse_yaml("a: >\n  one\n  two\n\n  three\n", "p.md")
    assert data["a"] == "one two\nthree\n"
