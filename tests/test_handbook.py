"""The operator handbook, HTML and PDF, checked as a reader would: the page's text, and the PDF
read with pypdf."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK, run_cli, write_project

from playpress.outputs.handbook import page_counter

ZH_BODY = """
## 第一章 督学

| 时间 | 动作 |
|---|---|
| 22:00 | 出打卡榜 |

- [ ] 开营前检查直播链接 ✍️ ☕

<script>alert(1)</script>
"""

EN_PLAYBOOK = """
---
title: Neighborhood Book Club
type: interest
roles:
  - {id: host, title: Host, duties: [Runs the meetup]}
rules:
  name_card: First name + favorite genre
  never: [Spoilers]
welcome: "Welcome to {{ group.name }}!"
sop:
  - {id: line, when: daily 08:00, post: Line of the day, kind: content, owner: host, copy: "Good
  morning!"}
faq:
  - {q: Is it free?, a: "Yes."}
metrics:
  north_star: Members who read every week
  review: [Did every post go out on time?]
---
# Club handbook

Three posts a day at most.
"""

EN_GROUP = """
---
name: Park Slope Book Circle
playbook: club
start: 2027-01-04
days: 21
lang: en
timezone: America/New_York
join_url: https://example.com/j/books
people: {host: Maya Chen}
---
Café Regal keeps the big table for us.
"""


def build(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    root = write_project(tmp_path / "proj", files)
    out = tmp_path / "dist"
    result = run_cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return root, out


@pytest.fixture(scope="module")
def zh_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    playbook = MINIMAL_PLAYBOOK.replace("## 第一章\n\n正文。\n", ZH_BODY)
    playbook = playbook.replace(
        "faq:",
        "metrics:\n  north_star: 完课率\n  review: [打卡率达标了吗？, 掉队同学跟进了吗？]\nfaq:",
    )
    return build(
        tmp_path_factory.mktemp("zh"),
        {
            "content/site.yml": "title: 运营中心\nbase_url: https://ops.example.com/\n",
            "playbooks/course.md": playbook,
            "content/groups/g1.md": MINIMAL_GROUP,
        },
    )


def fonts_of(reader: pypdf.PdfReader) -> dict[str, set[str]]:
    """Embedded font name -> the /FontFile keys of its descriptor, over every page."""
    found: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            found.setdefault(str(font["/BaseFont"]), set()).update(
                k for k in descriptor if k.startswith("/FontFile")
            )
    return found


def test_html_has_every_section_the_markdown_and_no_live_script(
    zh_build: tuple[Path, Path],
) -> None:
    _, out = zh_build
    html = (out / "g1" / "handbook.html").read_text(encoding="utf-8")
    assert "{{" not in html and "{%" not in html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>出打卡榜</td>" in html and 'type="checkbox"' in html and 'id="第一章-督学"' in html
    order = [
        "角色分工",
        "群规",
        "欢迎语",
        "运营阶段",
        "发布内容与文案",
        "SOP日历",
        "海报",
        "快捷回复",
        "数据指标",
        "第一章 督学",
        "本群备注",
    ]
    positions = [html.index(f">{title}<") for title in order]
    assert positions == sorted(positions)
    assert "欢迎加入考研英语冲刺1群！" in html  # the welcome template, rendered, in the chat bubble
    assert "请改为“城市-姓名”" in html and "1. 发广告" in html  # the rules as rules.txt words them
    assert "今晚8点直播，阅读理解，不见不散！" in html  # the copy of a slot, once
    assert 'src="posters/preview.png"' in html
    assert html.count('class="box"') == 2  # review checklist tick boxes
    assert "https://ops.example.com/g1/handbook.html" in html and "data:image/svg+xml" in html
    # 14 mornings, 4 live classes (Tue/Thu in two weeks)
    assert html.count('class="entry') == 14 + 4


def test_zh_pdf_pages_bookmarks_numbers_text_and_cjk_font(zh_build: tuple[Path, Path]) -> None:
    _, out = zh_build
    reader = pypdf.PdfReader(out / "g1" / "handbook.pdf")
    assert len(reader.pages) >= 3
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "群规" in titles and "SOP日历" in titles and "第一章 督学" in titles
    texts = [page.extract_text() for page in reader.pages]
    assert "考研英语冲刺1群" in texts[0]
    assert f"第 2 页 / 共 {len(texts)} 页" in texts[1]  # footer page numbers
    assert "考研英语冲刺1群" in texts[2]  # running header
    assert "开营前检查直播链接" in "".join(texts)
    embedded = fonts_of(reader)
    assert any("NotoSansCJKsc-Regular" in name for name in embedded), embedded
    # ✍️ and ☕ are drawn by Noto Emoji from pip; no system face is embedded
    assert any("NotoEmoji" in name for name in embedded), embedded
    assert all("Noto" in name for name in embedded), embedded
    assert reader.metadata["/CreationDate"].startswith("D:20261201")


def test_en_pdf_is_in_english_with_a_latin_face(tmp_path: Path) -> None:
    _, out = build(
        tmp_path, {"playbooks/club.md": EN_PLAYBOOK, "content/groups/books.md": EN_GROUP}
    )
    html = (out / "books" / "handbook.html").read_text(encoding="utf-8")
    assert (
        ">Contents<" in html
        and ">Review checklist<" in html
        and "Café Regal keeps the big table" in html
    )
    reader = pypdf.PdfReader(io.BytesIO((out / "books" / "handbook.pdf").read_bytes()))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) >= 3 and "Park Slope Book Circle" in texts[0]
    assert "Host Maya Chen" in texts[0]  # who runs the group, on the cover
    assert f"Page 2 of {len(texts)}" in texts[1]
    assert "Good morning!" in "".join(texts)
    embedded = fonts_of(reader)
    # Noto Sans, a TrueType Latin face; no Chinese face where no Chinese is written
    assert any("NotoSans-" in n and "/FontFile2" in f for n, f in embedded.items()), embedded
    assert not any("CJK" in name for name in embedded)


def test_page_counter() -> None:
    assert (
        page_counter("第 {page} 页 / 共 {pages} 页")
        == '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    )
    assert page_counter('Say "{page}"') == '"Say \\"" counter(page) "\\""'


def test_a_rule_with_a_blank_line_is_one_rule_in_the_handbook(tmp_path: Path) -> None:
    """The handbook shows the rules as rules.txt has them, not by re-reading rules.txt's text."""
    playbook = MINIMAL_PLAYBOOK.replace(
        '  help: "有问题请@{{ group.people.assistant }}"\n',
        "  help: |\n    有问题请@{{ group.people.assistant }}\n\n    周末不回复，周一统一处理\n",
    )
    root = write_project(
        tmp_path / "proj", {"playbooks/course.md": playbook, "content/groups/g1.md": MINIMAL_GROUP}
    )
    out = tmp_path / "dist"
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr
    html = (out / "g1" / "handbook.html").read_text(encoding="utf-8")
    rules = html[html.index('<section class="rules">') :]
    rules = rules[: rules.index("</section>")]
    headings = re.findall(r"<h3>(.*?)</h3>", rules)
    assert headings == [
        "一、修改群名片",
        "二、本群提供",
        "三、如何求助",
        "四、禁止事项",
        "五、欢迎大家",
        "违规处理",
    ]
    assert "周末不回复" in rules.split("三、如何求助")[1].split("<h3>")[0]  # inside its own aspect
