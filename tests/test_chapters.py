"""Markdown chapters: tables, heading anchors, task lists, headings shifted under the handbook's
own, raw HTML as text."""

from __future__ import annotations

from playpress.media.markdown import render_markdown, slugify

BODY = """
# 运营手册

开头一段。

## 四个阶段

| 阶段 | 天数 |
|---|---|
| 准备期 | 1-7 |

## 开营前检查清单

- [ ] 课程已上传
- [x] 海报已生成

<script>alert(1)</script>

[危险链接](javascript:alert(1)) 和 <img src=x onerror=alert(1)>
"""


def test_tables_anchors_and_task_lists() -> None:
    chapters = render_markdown(BODY, top_level=2)
    assert (
        "<table>" in chapters.html
        and "<th>阶段</th>" in chapters.html
        and "<td>准备期</td>" in chapters.html
    )
    assert '<h2 id="运营手册">运营手册</h2>' in chapters.html
    assert '<h3 id="四个阶段">四个阶段</h3>' in chapters.html
    assert chapters.html.count('type="checkbox"') == 2 and 'checked="checked"' in chapters.html
    assert [(h.level, h.id, h.text) for h in chapters.headings] == [
        (2, "运营手册", "运营手册"),
        (3, "四个阶段", "四个阶段"),
        (3, "开营前检查清单", "开营前检查清单"),
    ]
    assert chapters.opens_with_heading


def test_raw_html_is_shown_as_text_never_run() -> None:
    html = render_markdown(BODY).html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "onerror" in html  # shown, as text
    assert 'href="javascript' not in html


def test_notes_start_lower_and_get_their_own_ids() -> None:
    notes = render_markdown(
        "Some notes.\n\n# Parking\n\n## Keys\n\n## Keys\n", top_level=3, id_prefix="notes-"
    )
    assert not notes.opens_with_heading
    assert '<h3 id="notes-parking">Parking</h3>' in notes.html
    assert (
        '<h4 id="notes-keys">Keys</h4>' in notes.html
        and '<h4 id="notes-keys-1">Keys</h4>' in notes.html
    )


def test_deep_headings_stop_at_h6_and_empty_text_is_empty() -> None:
    assert "<h6" in render_markdown("# a\n\n###### b\n", top_level=3).html
    assert render_markdown("  \n").html == ""
    assert slugify("Hello, World!") == "hello-world" and slugify("!!!") == "section"


def test_html_comments_vanish_and_other_raw_html_stays_text():
    from playpress.media.markdown import render_markdown

    html = render_markdown(
        "<!-- 编辑提示：换成店名 -->\n\n# 标题\n\n- [ ] 任务 <!-- 备注 -->\n\n<b onclick=x>粗</b>\n"
    ).html
    assert "编辑提示" not in html and "备注" not in html and "&lt;!--" not in html
    assert 'type="checkbox"' in html  # the task list's own checkbox is not escaped
    assert "&lt;b onclick=x&gt;" in html and "<b" not in html
