"""handbook.pdf as the build makes it (Typst, in the PDF workers), read back as a user would:
pypdf, pdftotext, pdffonts, pdftoppm."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK, REPO, run_cli, snapshot, write_project
from PIL import Image, ImageDraw, ImageStat

from playpress.load import load_project
from playpress.media import noto
from playpress.media.fonts import chain_for, load
from playpress.outputs.handbook_pdf import handbook_pdf
from playpress.outputs.job import PDF, Job, Output
from playpress.state import BuildState
from playpress.theme import Theme

EVIL = (
    '#read("/etc/passwd") #include "x" #image("/etc/hostname") $x$ * _ @label <tag> `tick` \\ end'
)
SHOWN = [
    '#read("/etc/passwd")',
    '#include "x"',
    '#image("/etc/hostname")',
    "$x$",
    "@label",
    "<tag>",
]
CHINESE = {"chuangye-hangzhou", "kaoyan-english-1", "paotuan-binhu", "xianguo-binjiang"}
CHINESE |= {"xianguo-xinhua"}
PAGE_NUMBER = {
    "zh": "第 {page} 页 / 共 {pages} 页",
    "en": "Page {page} of {pages}",
    "es": "Página {page} de {pages}",
}


def yaml_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def hostile_files() -> dict[str, str]:
    playbook = MINIMAL_PLAYBOOK.replace("title: 考研英语冲刺", f"title: {yaml_text('T ' + EVIL)}")
    playbook = playbook.replace("duties: [直播授课]", f"duties: [{yaml_text('D ' + EVIL)}]")
    playbook = playbook.replace(
        "penalty: 违规一次提醒，两次移出", f"penalty: {yaml_text('P ' + EVIL)}"
    )
    playbook = playbook.replace("post: 早安打卡", f"post: {yaml_text('S ' + EVIL)}")
    playbook = playbook.replace(
        'copy: "今晚8点直播，{{ group.vars.topic }}，不见不散！"',
        f"copy: {yaml_text('C {{ group.name }} ' + EVIL)}\n    note: {yaml_text('N ' + EVIL)}",
    )
    playbook = playbook.replace(
        '- {q: 资料在哪里领？, a: "私信{{ group.people.assistant }}"}',
        f"- {{q: {yaml_text('Q ' + EVIL)}, a: {yaml_text('A ' + EVIL)}}}",
    )
    body = (
        f"## 第一章 {EVIL}\n\nBody {EVIL}\n\n| a | b |\n|---|---|\n| {EVIL} | 2 |\n\n"
        f'- [ ] {EVIL}\n\n```\n{EVIL}\n```\n\n<script>#read("/etc/passwd")</script>\n\n'
        "![x](/etc/hostname) ![y](../../../etc/passwd) ![z](posters/preview.png)\n"
    )
    playbook = playbook.replace("## 第一章\n\n正文。\n", body)
    group = MINIMAL_GROUP.replace("name: 考研英语冲刺1群", f"name: {yaml_text('G ' + EVIL)}")
    group = group.replace("本群备注。", f"Notes {EVIL}")
    return {
        "playbooks/course.md": playbook,
        "content/groups/g1.md": group,
        "content/site.yml": f"title: {yaml_text('Site ' + EVIL)}\nbase_url: https://ops.example.com/\n",
    }


def built(root: Path, out: Path, *flags: str) -> tuple[Path, Path]:
    """The project built by the real command line, PDFs included unless flags say otherwise."""
    result = run_cli("build", "--root", str(root), "--out", str(out), *flags)
    assert result.returncode == 0, result.stdout + result.stderr
    return root, out


def job_for(root: Path, out: Path, group: str) -> Job:
    project = load_project(root).project
    assert project is not None
    return Job(
        project,
        Theme(project.theme),
        Output(PDF, f"{group}/handbook.pdf", "handbook_pdf", group),
        out,
    )


def pdf_text(path: Path, *args: str) -> str:
    result = subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def page_texts(path: Path) -> list[str]:
    """pdftotext of each page (form feeds between pages)."""
    return pdf_text(path).split("\f")[:-1]


def outline_of(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    def walk(items: list, depth: int) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for item in items:
            found += walk(item, depth + 1) if isinstance(item, list) else [(depth, item.title)]
        return found

    return walk(reader.outline, 0)


def example_groups() -> list[str]:
    return sorted(p.stem for p in (REPO / "content/groups").glob("*.md"))


# --- every example handbook, as the build made it -------------------------------------------


def test_every_example_handbook_reads_back(example_dist: Path) -> None:
    """pypdf and pdftotext: pages, outline, the page number and group on each page, the TOC's page
    numbers, Chinese text in the Chinese ones; the date is the group's start."""
    project = load_project(REPO).project
    assert project is not None
    for slug in example_groups():
        group = project.groups[slug]
        path = example_dist / slug / "handbook.pdf"
        reader = pypdf.PdfReader(path)
        pages = len(reader.pages)
        assert pages >= 8, slug
        assert reader.metadata["/CreationDate"].startswith(f"D:{group.start:%Y%m%d}"), slug
        assert reader.metadata["/Title"].startswith(group.name), slug
        outline = outline_of(reader)
        assert len(outline) >= 20 and {depth for depth, _ in outline} == {0, 1}, slug
        texts = page_texts(path)
        assert len(texts) == pages
        assert group.name in texts[0], slug  # the cover
        numbers = PAGE_NUMBER[group.lang]
        for number, text in enumerate(texts[1:], 2):
            assert numbers.format(page=number, pages=pages) in text, (slug, number)
            assert text.lstrip().startswith(group.name), (slug, number)  # the running header
        assert pypdf.PdfReader(path).pages[1].extract_text().count(group.name) >= 1
        if slug in CHINESE:
            assert "角色分工" in "".join(texts[2:4]) and "群规" in "".join(texts[2:5]), slug
            assert len(re.findall(r"[\u4e00-\u9fff]", "".join(texts))) > 1000, slug
        contents = pdf_text(path, "-layout", "-f", "2", "-l", "2")
        entries = re.findall(r"^\s*(\S.*?)\s*(?:\. ?){3,}\s*(\d+)\s*$", contents, re.M)
        assert len(entries) >= 8, (slug, contents)
        for title, page in entries:  # each TOC entry's page shows its title
            assert title.replace(" ", "") in texts[int(page) - 1].replace(" ", ""), (slug, title)


def test_fonts_are_embedded_subsets_and_the_chinese_bold_is_real(example_dist: Path) -> None:
    for slug in example_groups():
        path = example_dist / slug / "handbook.pdf"
        rows = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert rows and all(re.search(r"\byes\s+yes\s+yes\b", row) for row in rows), (slug, rows)
        assert all(re.match(r"[A-Z]{6}\+", row) for row in rows), (slug, rows)  # subset tags
        names = " ".join(row.split()[0] for row in rows)
        if slug in CHINESE:
            assert "NotoSansCJKsc-Regular" in names and "NotoSansCJKsc-Bold" in names, names
        else:
            assert "NotoSans-" in names, names
    programs = {}
    reader = pypdf.PdfReader(example_dist / "kaoyan-english-1" / "handbook.pdf")
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            programs[str(font["/BaseFont"])] = stream.get_object().get_data()
    regular = next(data for name, data in programs.items() if "CJKsc-Regular" in name)
    bold = next(data for name, data in programs.items() if "CJKsc-Bold" in name)
    assert regular != bold


def ink_of(path: Path, page: int, word: str, tmp_path: Path) -> float:
    """How dark `word` prints on a page (mean darkness inside its box, pdftoppm at 150 dpi)."""
    layout = pdf_text(path, "-bbox", "-f", str(page), "-l", str(page))
    found = re.search(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
        + re.escape(word)
        + "</word>",
        layout,
    )
    assert found, (word, layout[:2000])
    stem = tmp_path / f"p{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", "150", "-f", str(page), "-l", str(page), path, stem],
        check=True,
    )
    image = Image.open(next(tmp_path.glob(f"p{page}*.png"))).convert("L")
    scale = 150 / 72
    box = tuple(round(float(v) * scale) for v in found.groups())
    return 255 - ImageStat.Stat(image.crop(box)).mean[0]


def test_a_chinese_heading_prints_darker_than_the_same_words_in_regular(
    example_dist: Path, tmp_path: Path
) -> None:
    """角色分工 as the section's heading (bold) and as a line of the contents (regular)."""
    path = example_dist / "kaoyan-english-1" / "handbook.pdf"
    heading = ink_of(path, 3, "角色分工", tmp_path)
    contents = ink_of(path, 2, "角色分工", tmp_path)
    assert heading > 1.3 * contents, (heading, contents)


def test_english_and_spanish_extract_ligatures_as_text(example_dist: Path) -> None:
    english = pdf_text(example_dist / "book-circle-park-slope" / "handbook.pdf")
    assert "first" in english and "coffee" in english and "fiction" in english
    spanish = pdf_text(example_dist / "cafe-la-esquina" / "handbook.pdf")
    assert "oficinistas" in spanish and "Café La Esquina · Roma Norte" in spanish
    for text in (english, spanish):
        # no ligature glyph codes instead of letters
        assert "\ufb01" not in text and "\ufb00" not in text
    # pypdf reads the same words (each glyph's text from the font's ToUnicode map)
    reader = pypdf.PdfReader(example_dist / "book-circle-park-slope" / "handbook.pdf")
    read = " ".join(page.extract_text() for page in reader.pages)
    assert "first" in read and "coffee" in read


def test_the_bookmarks_are_the_sections_and_parts_of_handbook_html(example_dist: Path) -> None:
    """As the WeasyPrint PDF had them (h2 of handbook.html level 1, h3 level 2): 45 in
    kaoyan-english-1."""
    for slug in ("kaoyan-english-1", "cafe-la-esquina"):
        page = (example_dist / slug / "handbook.html").read_text(encoding="utf-8")
        main = page[page.index("<main>") :]
        expected = [
            (int(level) - 2, re.sub(r"<[^>]+>", "", title).strip())
            for level, title in re.findall(r"<h([23])[^>]*>(.*?)</h\1>", main, re.S)
        ]
        outline = outline_of(pypdf.PdfReader(example_dist / slug / "handbook.pdf"))
        assert [d for d, _ in outline] == [d for d, _ in expected], slug
        for (_, got), (_, want) in zip(outline, expected, strict=True):
            assert got.replace(" ", "") == re.sub(r"\s+", "", want), (got, want)
    assert len(outline_of(pypdf.PdfReader(example_dist / "kaoyan-english-1/handbook.pdf"))) == 45


def test_posters_show_as_small_jpegs_made_in_the_same_build(example_dist: Path) -> None:
    """The example was built cold: its PDFs read the posters from the build's staging area."""
    reader = pypdf.PdfReader(example_dist / "kaoyan-english-1" / "handbook.pdf")
    images = [
        image.get_object()
        for page in reader.pages
        for image in (page["/Resources"].get("/XObject") or {}).values()
    ]
    posters = [image for image in images if image.get("/Filter") == "/DCTDecode"]
    assert len(posters) == 3, [image.get("/Filter") for image in images]
    assert all(image["/Width"] <= 354 for image in posters)  # not the 1080 px poster


def test_what_each_pdf_read_is_recorded(example_dist: Path) -> None:
    state = json.loads((example_dist / ".playpress/state.json").read_text(encoding="utf-8"))
    entry = state["outputs"]["kaoyan-english-1/handbook.pdf"]
    inputs = BuildState(example_dist, REPO).inputs_of("kaoyan-english-1/handbook.pdf")
    assert "themes/default/templates/handbook.typ" in inputs  # an override looked for
    assert any(p.endswith("playpress/themes/default/templates/handbook.typ") for p in inputs)
    assert any(p.endswith("kaoyan-english-1/posters/opening-ceremony.png") for p in inputs)
    assert any("NotoSansCJKsc-Bold" in p for p in inputs)
    assert any(p.endswith("NotoSansCJK-VF.otf.ttc") for p in inputs)  # the cuts' source
    assert "content/assets/logo-kaoyan-english.png" in inputs
    assert re.search(r":typst \d+\.\d+", entry["settings"])  # a new Typst remakes the PDFs


def test_same_inputs_same_bytes_in_another_build(example_dist: Path, tmp_path: Path) -> None:
    _, out = built(REPO, tmp_path / "dist", "--only", "cafe-la-esquina", "--jobs", "1")
    first = (example_dist / "cafe-la-esquina" / "handbook.pdf").read_bytes()
    assert (out / "cafe-la-esquina" / "handbook.pdf").read_bytes() == first
    assert re.search(rb"/ID\s*\[", first)  # a document id, stable with the bytes


# --- what a project may write -------------------------------------------------------------------


def test_hostile_text_is_printed_as_text_and_no_file_is_read(tmp_path: Path) -> None:
    root, out = built(write_project(tmp_path / "proj", hostile_files()), tmp_path / "dist")
    document = handbook_pdf(job_for(root, out, "g1"))
    # all the compiler's root holds: the QR codes, a poster, the chart, the Markdown's poster
    assert set(document.files) == {
        "join-qr.svg",
        "online-qr.svg",
        "posters/0.jpg",
        "chart.svg",
        "md/4.jpg",
    }
    text = pdf_text(out / "g1" / "handbook.pdf").replace("\n", " ")
    print(text)
    for where in ("T", "D", "P", "S", "C G", "N", "Q", "A", "G", "Site"):  # every character
        assert f"{where} {EVIL}" in text, where
    # backticks make code in Markdown; the rest is as written
    markdown = re.escape(" ".join(SHOWN[:3])) + r" \$x\$ \* _ @label <tag> tick"
    for where in ("第一章", "Body", "Notes"):
        assert re.search(re.escape(where) + " " + markdown, text), where
    assert '<script>#read("/etc/passwd")</script>' in text  # raw HTML in the Markdown, as text
    assert "x /etc/hostname" in text and "y ../../../etc/passwd" in text  # images not shown
    assert "root:x:0:0" not in text
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    if len(hostname) >= 8:
        assert hostname not in text


def test_a_character_no_font_has_is_an_error_naming_it(tmp_path: Path) -> None:
    files = {
        "playbooks/course.md": MINIMAL_PLAYBOOK.replace("正文。", "正文 \U00013000 here."),
        "content/groups/g1.md": MINIMAL_GROUP,
    }
    root = write_project(tmp_path / "proj", files)
    result = run_cli("build", "--root", str(root), "--out", str(tmp_path / "dist"))
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "U+13000" in line)
    assert line.startswith("playbooks/course.md:") and "EGYPTIAN HIEROGLYPH A001" in line
    assert not (tmp_path / "dist" / "g1").exists()  # nothing written


def test_a_project_overrides_the_typst_template(tmp_path: Path) -> None:
    override = (
        '#set page(paper: "a5")\n#set text(cjk-latin-spacing: none)\n'
        "Override for {{ group.name }}: {{ '#read(\"/etc/passwd\")' }}\n"
    )
    files = {
        "playbooks/course.md": MINIMAL_PLAYBOOK,
        "content/groups/g1.md": MINIMAL_GROUP,
        "themes/default/templates/handbook.typ": override,
    }
    _, out = built(write_project(tmp_path / "proj", files), tmp_path / "dist")
    pdf = out / "g1" / "handbook.pdf"
    assert 'Override for 考研英语冲刺1群: #read("/etc/passwd")' in pdf_text(pdf)
    box = pypdf.PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)  # A5


BROKEN = {
    "typst": (
        '// a handbook of our own\n#set page(paper: "a5")\n{% if group.name %}\n'
        "= {{ group.name }}\n{% endif %}\n#sett text(size: 12pt)\n",
        "themes/default/templates/handbook.typ:6:",
        "unknown variable: sett",
    ),
    "jinja": (
        "= {{ group.name }}\n\n{{ group.nmae }}\n",
        "themes/default/templates/handbook.typ:3:",
        "nmae",
    ),
    # the compiler's root holds only the handbook's images
    "read": (
        '= {{ group.name }}\n#read("/etc/passwd")\n',
        "themes/default/templates/handbook.typ:2:",
        "file not found",
    ),
    # no packages, and no network to fetch one (the name is never even looked up)
    "package": (
        '= {{ group.name }}\n\n#import "@preview/cetz:0.2.2": *\n',
        "themes/default/templates/handbook.typ:3:",
        "failed to download package",
    ),
}


@pytest.mark.parametrize("mistake", sorted(BROKEN))
def test_a_mistake_in_handbook_typ_names_the_template_and_line(
    tmp_path: Path, mistake: str
) -> None:
    template, where, what = BROKEN[mistake]
    files = {
        "playbooks/course.md": MINIMAL_PLAYBOOK,
        "content/groups/g1.md": MINIMAL_GROUP,
        "themes/default/templates/handbook.typ": template,
    }
    root = write_project(tmp_path / "proj", files)
    built(root, tmp_path / "dist", "--no-pdf")
    before = snapshot(tmp_path / "dist")
    result = run_cli("build", "--root", str(root), "--out", str(tmp_path / "dist"))
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith(where))
    assert what in line and "error" in line and "Traceback" not in result.stderr, line
    assert "root:x:0:0" not in result.stderr and "Dns" not in line, line
    assert snapshot(tmp_path / "dist") == before  # the last good outputs stay
    if mistake == "jinja":  # found by `check` too, without a PDF
        checked = run_cli("check", "--root", str(root))
        assert checked.returncode == 1 and where in checked.stderr, checked.stderr


# --- posters share the PDF's faces ----------------------------------------------------------------


def test_posters_get_the_real_bold_chinese_face() -> None:
    regular, bold = noto.cjk_regular_face(), noto.cjk_bold_face()
    if regular is None or bold is None:
        pytest.skip("manimgx-fonts-cjk is not installed")
    chain = chain_for("zh")
    assert chain.regular[0] == regular and chain.bold[0] == bold
    assert chain.face_for("运", bold=True) == (bold, False)  # drawn with the bold face, no stroke
    assert chain.face_for("运") == (regular, False)
    ink = []
    for face in (regular, bold):
        image = Image.new("L", (400, 120), 255)
        ImageDraw.Draw(image).text((10, 10), "运营手册", font=load(face, 80), fill=0)
        ink.append(255 - ImageStat.Stat(image).mean[0])
    assert ink[1] > 1.3 * ink[0], ink
    emoji = chain.face_for("🎉")  # in no text face: Noto Emoji from pip draws it
    assert emoji is not None and emoji[0] in noto.noto_symbols()
