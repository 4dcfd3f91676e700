"""handbook.pdf from Typst, read back as a user would: pypdf, pdftotext, pdffonts, pdftoppm."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from conftest import MINIMAL_GROUP, MINIMAL_PLAYBOOK, REPO, run_cli, write_project
from PIL import Image, ImageDraw, ImageStat

from playpress.diagnostics import UserError
from playpress.load import load_project
from playpress.media import noto
from playpress.media.fonts import FontChain, load
from playpress.media.typst_engine import TypstDocument, compile_pdf
from playpress.outputs.handbook_typst import handbook_document, typst_faces
from playpress.outputs.job import PDF, Job, Output
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
        f'- [ ] {EVIL}\n\n```\n{EVIL}\n```\n\n<script>#read("/etc/passwd")</script>\n'
    )
    playbook = playbook.replace("## 第一章\n\n正文。\n", body)
    group = MINIMAL_GROUP.replace("name: 考研英语冲刺1群", f"name: {yaml_text('G ' + EVIL)}")
    group = group.replace("本群备注。", f"Notes {EVIL}")
    return {
        "playbooks/course.md": playbook,
        "content/groups/g1.md": group,
        "content/site.yml": f"title: {yaml_text('Site ' + EVIL)}\nbase_url: https://ops.example.com/\n",
    }


def built(root: Path, out: Path) -> tuple[Path, Path]:
    """The project built without PDFs (posters made, as the stage before the PDFs makes them)."""
    result = run_cli("build", "--root", str(root), "--out", str(out), "--no-pdf")
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


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return built(REPO, tmp_path_factory.mktemp("example") / "dist")


@pytest.fixture(scope="module")
def example_pdfs(example: tuple[Path, Path]) -> dict[str, Path]:
    root, out = example
    made = {}
    for group in ("kaoyan-english-1", "cafe-la-esquina", "book-circle-park-slope"):
        path = out / group / "typst.pdf"
        path.write_bytes(compile_pdf(handbook_document(job_for(root, out, group))))
        made[group] = path
    return made


def test_hostile_text_is_printed_as_text_and_no_file_is_read(tmp_path: Path) -> None:
    root, out = built(write_project(tmp_path / "proj", hostile_files()), tmp_path / "dist")
    document = handbook_document(job_for(root, out, "g1"))
    assert set(document.files) == {
        "join-qr.svg",
        "online-qr.svg",
        "posters/preview.jpg",
    }  # all the root holds
    path = tmp_path / "h.pdf"
    path.write_bytes(compile_pdf(document))
    text = pdf_text(path).replace("\n", " ")
    for where in (
        "T",
        "D",
        "P",
        "S",
        "C G",
        "N",
        "Q",
        "A",
        "G",
        "Site",
    ):  # plain texts: every character
        assert f"{where} {EVIL}" in text, where
    markdown = (
        re.escape(" ".join(SHOWN[:3])) + r" \$x\$ \* _ @label <tag> tick"
    )  # backticks make code there
    for where in ("第一章", "Body", "Notes"):
        assert re.search(re.escape(where) + " " + markdown, text), where
    assert '<script>#read("/etc/passwd")</script>' in text  # raw HTML in the Markdown, as text
    assert "root:x:0:0" not in text
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    if len(hostname) >= 8:
        assert hostname not in text


def test_zh_pages_outline_page_numbers_header_and_chinese(example_pdfs: dict[str, Path]) -> None:
    path = example_pdfs["kaoyan-english-1"]
    reader = pypdf.PdfReader(path)
    pages = len(reader.pages)
    assert pages >= 10
    assert reader.metadata["/CreationDate"].startswith("D:20261201")
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert (
        titles[:3] == ["社群定位", "角色分工", "群规"]
        and "SOP日历" in titles
        and "本群备注" in titles
    )
    assert len(titles) + sum(len(i) for i in reader.outline if isinstance(i, list)) >= 40
    texts = [pdf_text(path, "-f", str(n), "-l", str(n)) for n in range(1, pages + 1)]
    assert "28考研英语起跑营1期" in texts[0] and "扫码进群" in texts[0]
    for number, text in enumerate(texts[1:], 2):
        assert f"第 {number} 页 / 共 {pages} 页" in text, (
            number
        )  # page x / y on every page after the cover
        assert text.lstrip().startswith("28考研英语起跑营1期"), number  # the running header
    assert "早读打卡：今日单词" in "".join(texts) and "每天早上发早读单词，带头打卡" in "".join(
        texts
    )
    contents = pdf_text(path, "-layout", "-f", "2", "-l", "2")
    entries = re.findall(r"^\s*(\S.*?)\s*(?:\. ?)+\s*(\d+)\s*$", contents, re.M)
    assert len(entries) >= 12
    for title, page in entries:
        assert title.replace(" ", "") in texts[int(page) - 1].replace(" ", ""), (
            title,
            page,
        )  # TOC numbers are right


def test_fonts_are_embedded_subsets_and_the_bold_is_real(
    example_pdfs: dict[str, Path], tmp_path: Path
) -> None:
    listing = subprocess.run(
        ["pdffonts", str(example_pdfs["kaoyan-english-1"])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    assert listing and all(re.search(r"\byes\s+yes\s+yes\b", row) for row in listing), listing
    assert all(re.match(r"[A-Z]{6}\+", row) for row in listing)  # subset tags
    names = " ".join(row.split()[0] for row in listing)
    assert "NotoSansCJKsc-Regular" in names and "NotoSansCJKsc-Bold" in names
    reader = pypdf.PdfReader(example_pdfs["kaoyan-english-1"])
    programs = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            programs[str(font["/BaseFont"])] = stream.get_object().get_data()
    regular = next(data for name, data in programs.items() if "CJKsc-Regular" in name)
    bold = next(data for name, data in programs.items() if "CJKsc-Bold" in name)
    assert regular != bold
    # The same words in the handbook's own faces, regular and bold: the bold is measurably darker.
    faces = typst_faces(job_for(REPO, tmp_path, "kaoyan-english-1"))
    source = (
        "#set page(width: 6cm, height: 2cm, margin: 2mm)\n"
        '#set text(font: "Noto Sans CJK SC", size: 20pt)\n'
        '#grid(columns: 2, gutter: 4mm, [运营手册], text(weight: "bold")[运营手册])'
    )
    pdf = tmp_path / "weights.pdf"
    pdf.write_bytes(
        compile_pdf(TypstDocument(source, fonts=tuple(dict.fromkeys(f.path for f in faces))))
    )
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-gray", str(pdf), str(tmp_path / "w")], check=True
    )
    image = Image.open(next(tmp_path.glob("w*.png"))).convert("L")
    half = image.width // 2
    ink = [
        255 - ImageStat.Stat(image.crop(box)).mean[0]
        for box in ((0, 0, half, image.height), (half, 0, image.width, image.height))
    ]
    assert ink[1] > 1.3 * ink[0], ink


def test_english_and_spanish_extract_ligatures_as_text(example_pdfs: dict[str, Path]) -> None:
    english = pdf_text(example_pdfs["book-circle-park-slope"])
    assert "first" in english and "coffee" in english and "fiction" in english
    spanish = pdf_text(example_pdfs["cafe-la-esquina"])
    assert "oficinistas" in spanish and "Café La Esquina · Roma Norte" in spanish
    for text in (english, spanish):
        assert (
            "\ufb01" not in text and "\ufb00" not in text
        )  # no ligature glyph codes instead of letters


def test_same_inputs_same_bytes_also_in_another_process(
    example: tuple[Path, Path], tmp_path: Path
) -> None:
    root, out = example
    first = compile_pdf(handbook_document(job_for(root, out, "cafe-la-esquina")))
    assert compile_pdf(handbook_document(job_for(root, out, "cafe-la-esquina"))) == first
    script = (
        "import sys\nfrom pathlib import Path\nsys.path.insert(0, 'tests')\n"
        "from test_typst_handbook import job_for\n"
        "from playpress.outputs.handbook_typst import handbook_pdf\n"
        f"job = job_for(Path({str(root)!r}), Path({str(out)!r}), 'cafe-la-esquina')\n"
        "sys.stdout.buffer.write(handbook_pdf(job))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == first
    assert re.search(rb"/ID\s*\[", first)  # a document id, stable with the bytes


def test_a_character_no_font_has_is_an_error_naming_it(tmp_path: Path) -> None:
    files = {
        "playbooks/course.md": MINIMAL_PLAYBOOK.replace("正文。", "正文 \U00013000 here."),
        "content/groups/g1.md": MINIMAL_GROUP,
    }
    root, out = built(write_project(tmp_path / "proj", files), tmp_path / "dist")
    with pytest.raises(UserError) as raised:
        handbook_document(job_for(root, out, "g1"))
    diagnostic = raised.value.diagnostic
    assert "U+13000" in diagnostic.message and "EGYPTIAN HIEROGLYPH A001" in diagnostic.message
    assert diagnostic.path == "playbooks/course.md" and diagnostic.line > 1


def test_reads_are_recorded_for_incremental_builds(example: tuple[Path, Path]) -> None:
    root, out = example
    job = job_for(root, out, "kaoyan-english-1")
    handbook_document(job)
    reads = job.reads.paths
    assert any(
        p.endswith("templates/handbook.typ") and "/playpress/themes/default/" in p for p in reads
    )
    assert any(
        p.endswith("themes/default/templates/handbook.typ") and p.startswith(str(root / "themes"))
        for p in reads
    )
    assert any(p.endswith("posters/opening-ceremony.png") for p in reads)
    assert (
        any("NotoSansCJKsc-Bold" in p for p in reads)
        and "content/assets/logo-kaoyan-english.png" in reads
    )


def test_posters_get_a_real_bold_chinese_face() -> None:
    regular, bold = noto.cjk_regular_face(), noto.cjk_bold_face()
    if regular is None or bold is None:
        pytest.skip("manimgx-fonts-cjk is not installed")
    chain = FontChain((regular,), (bold,))
    assert chain.face_for("运", bold=True) == (bold, False)  # drawn with the bold face, no stroke
    ink = []
    for face in (regular, bold):
        image = Image.new("L", (400, 120), 255)
        ImageDraw.Draw(image).text((10, 10), "运营手册", font=load(face, 80), fill=0)
        ink.append(255 - ImageStat.Stat(image).mean[0])
    assert ink[1] > 1.3 * ink[0], ink


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
    root, out = built(write_project(tmp_path / "proj", files), tmp_path / "dist")
    job = job_for(root, out, "g1")
    path = tmp_path / "o.pdf"
    path.write_bytes(compile_pdf(handbook_document(job)))
    assert 'Override for 考研英语冲刺1群: #read("/etc/passwd")' in pdf_text(path)
    assert str(root / "themes/default/templates/handbook.typ") in job.reads.paths


def outline_of(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    def walk(items: list, depth: int) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for item in items:
            found += walk(item, depth + 1) if isinstance(item, list) else [(depth, item.title)]
        return found

    return walk(reader.outline, 0)


def test_the_bookmarks_are_those_of_the_weasyprint_pdf(
    example: tuple[Path, Path], example_pdfs: dict[str, Path], tmp_path: Path
) -> None:
    from playpress.outputs.handbook_pdf import handbook_pdf as weasyprint_pdf

    root, out = example
    today = tmp_path / "weasyprint.pdf"
    today.write_bytes(weasyprint_pdf(job_for(root, out, "kaoyan-english-1")))
    typst_outline = outline_of(pypdf.PdfReader(example_pdfs["kaoyan-english-1"]))
    assert typst_outline == outline_of(pypdf.PdfReader(today))
    assert len(typst_outline) == 45
