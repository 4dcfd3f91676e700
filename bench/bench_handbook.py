"""Benchmark of the operator handbook as WeasyPrint made it (bench/weasyprint_pdf.py, the engine
before Typst): seconds per handbook, HTML and PDF apart, with and without the font cut down. The
build's own engine is measured against it by bench/bench_pdf_engines.py.

Groups: the example project's, and a generated 60-day group with 5 posts a day. Columns:
  html           handbook.html
  pdf cut cold   handbook.pdf, the CJK/Latin faces cut for this handbook (cut made now; extraction
  cached)
  pdf cut warm   handbook.pdf again: the cut comes from the cache (what an unchanged-text rebuild
  pays)
  layout, write  the warm PDF split: HTML + fonts + WeasyPrint's cascade and layout, then painting
  and writing the PDF
  full+hb        the whole extracted faces handed to WeasyPrint, which subsets them itself with
  HarfBuzz-subset
                 (libharfbuzz-subset0, when the machine has it)
  full+fontTools the same with WeasyPrint's fontTools fallback (a machine without
  libharfbuzz-subset)
CPU seconds of this process (the machine has 2 cores that others share; wall time is noisier).
Run: python bench/bench_handbook.py [--no-full]
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import pypdf  # noqa: E402
import weasyprint.pdf.fonts as weasyprint_fonts  # noqa: E402
import weasyprint_pdf as handbook_pdf  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402

from playpress.files import write_atomic  # noqa: E402
from playpress.load import load_project  # noqa: E402
from playpress.media.fonts import FontFace  # noqa: E402
from playpress.outputs import handbook  # noqa: E402
from playpress.outputs.job import LIGHT, PDF, Job, Output  # noqa: E402
from playpress.theme import Theme  # noqa: E402
from tests.conftest import write_project  # noqa: E402

DAYS, POSTS_PER_DAY = 60, 5
HB = weasyprint_fonts.harfbuzz_subset is not None


def make_project(root: Path) -> Path:
    kinds = ("activity", "content", "interaction", "notice", "content")
    slots = "\n".join(
        f"  - id: s{n}\n    when: daily {8 + 3 * n:02d}:00\n"
        f"    post: 第{n + 1}条 每日发布\n    kind: "
        f"{kinds[n]}\n"
        f"    owner: host\n    note: 提前十分钟准备好图片\n    copy: |\n      "
        f"{{{{ group.name }}}}的朋友们好！今天第{n + 1}条：\n"
        f"      {'这里是一段写给群友的话，说明活动内容、时间和参与方式。' * 2}"
        for n in range(POSTS_PER_DAY)
    )
    phases = "\n".join(
        f'  - {{name: 第{p + 1}阶段, days: "{p * 15 + 1}-{p * 15 + 15}", '
        "goal: 每个阶段的目标写在这里}"
        for p in range(4)
    )
    body = "\n\n".join(
        f"## 第{n}章\n\n" + "运营的要点写在这里，每一段都是给新助理看的说明。" * 6
        for n in range(1, 6)
    )
    files = {
        "content/site.yml": "title: Bench\nlang: zh\nbase_url: https://ops.example.com/\n",
        "playbooks/long.md": f"---\ntitle: 60天长营\ntype: knowledge\nroles: "
        f"[{{id: host, title: 群主, duties: [发布, 答疑]}}]\n"
        f"rules: {{name_card: 城市-姓名, never: [广告, 刷屏], can: [分享]}}\nwelcome: "
        f"欢迎加入{{{{ group.name }}}}！\n"
        f"phases:\n{phases}\nsop:\n{slots}\n"
        f"faq: [{{q: 怎么参加？, a: 看群公告}}]\nmetrics: "
        f"{{north_star: 完课率, review: [打卡率达标了吗？]}}\n---\n{body}\n",
        "content/groups/long.md": "---\nname: 六十天长营1群\nplaybook: long\n"
        "start: 2027-03-01\ndays: "
        f"{DAYS}\n"
        f"join_url: https://example.com/j\npeople: {{host: 王}}\n---\n备注。\n",
    }
    return write_project(root, files)


# The whole faces, as WeasyPrint would get them without Playpress's cut (for the comparison only).


def extracted_face(face: FontFace, cache: Path) -> Path:
    """The face as a font file of its own: the source itself, or the face taken out of a collection
    once."""
    with open(face.path, "rb") as stream:
        is_collection = stream.read(4) == b"ttcf"
    if not is_collection:
        return Path(face.path)
    stem = f"{Path(face.path).stem}-{face.index}-{handbook_pdf.file_hash(face.path)}"
    for suffix in (".otf", ".ttf"):
        if (cache / (stem + suffix)).is_file():
            return cache / (stem + suffix)
    buffer = io.BytesIO()
    _open_face(face.path, face.index).save(buffer)
    data = buffer.getvalue()
    target = cache / (stem + _suffix(data))
    # two PDF workers may race here on a first build: both write the same bytes
    write_atomic(target, data)
    return target


def _open_face(path: str | os.PathLike[str] | io.BytesIO, index: int = 0) -> TTFont:
    # Keep the source's timestamps and bounding boxes: recomputing them is slow and would put the
    # clock in the bytes.
    return TTFont(path, fontNumber=index, lazy=True, recalcBBoxes=False, recalcTimestamp=False)


def _suffix(data_start: bytes) -> str:
    return ".otf" if data_start[:4] == b"OTTO" else ".ttf"


def whole_face(face: FontFace, characters: list[str], cache: Path) -> Path:
    """A font_file for handbook_pdf.font_css that hands WeasyPrint the whole face."""
    return extracted_face(face, cache).resolve()


def pdf_with_whole_faces(job: Job) -> bytes:
    document, options = handbook_pdf.laid_out(job, whole_face)
    with handbook_pdf.fixed_clock(job.group.start):
        return document.write_pdf(**options)  # type: ignore[no-any-return]


def cpu(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    data = function()
    return time.process_time() - started, data


def bench_project(
    root: Path, out: Path, full: bool
) -> list[tuple[str, int, float, float, float, float, float, float, float]]:
    project = load_project(root).project
    assert project is not None
    theme = Theme(project.theme)
    rows = []
    for slug in sorted(project.groups):

        def job(kind: str, stage: int, slug: str = slug) -> Job:
            return Job(
                project,
                theme,
                Output(stage, f"{slug}/handbook.{kind}", f"handbook_{kind}", slug),
                out,
            )

        html_s, _ = cpu(lambda: handbook.handbook_html(job("html", LIGHT)))
        for cut in out.joinpath(handbook_pdf.FONT_CACHE).glob("*-cut-*"):
            cut.unlink()  # cold: the cut is made in this call (the extracted face stays cached)
        cold_s, pdf = cpu(lambda: handbook_pdf.handbook_pdf(job("pdf", PDF)))
        warm_s, again = cpu(lambda: handbook_pdf.handbook_pdf(job("pdf", PDF)))
        assert again == pdf, f"{slug}: two renders differ"
        layout_s, (document, options) = cpu(lambda: handbook_pdf.laid_out(job("pdf", PDF)))
        write_s, _ = cpu(lambda document=document, options=options: document.write_pdf(**options))
        full_s = (
            cpu(lambda: pdf_with_whole_faces(job("pdf", PDF)))[0] if full and HB else float("nan")
        )
        with_fonttools = weasyprint_fonts.harfbuzz_subset
        weasyprint_fonts.harfbuzz_subset = None
        try:
            slow_s = cpu(lambda: pdf_with_whole_faces(job("pdf", PDF)))[0] if full else float("nan")
        finally:
            weasyprint_fonts.harfbuzz_subset = with_fonttools
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        rows.append((slug, pages, html_s, cold_s, warm_s, layout_s, write_s, full_s, slow_s))
        print(
            f"{slug:28s} {pages:5d} {html_s:8.2f} {cold_s:13.2f} {warm_s:13.2f} {layout_s:7.2f} "
            f"{write_s:6.2f}"
            f" {full_s:9.2f} {slow_s:15.2f}",
            flush=True,
        )
    return rows


def main() -> None:
    full = "--no-full" not in sys.argv
    print(
        f"{'group':28s} {'pages':>5s} {'html s':>8s} {'pdf cut cold':>13s} {'pdf cut warm':>13s} "
        f"{'layout':>7s} {'write':>6s}"
        f" {'full+hb':>9s}"
        f" {'full+fontTools':>15s}"
    )
    print(f"(HarfBuzz-subset here: {'yes' if HB else 'no'})")
    with tempfile.TemporaryDirectory() as temporary:
        out = Path(temporary) / "dist"
        started = time.perf_counter()
        extracted_face(Job(*_first_job(out)).font_chain().regular[0], out / handbook_pdf.FONT_CACHE)
        print(
            f"(extracting the CJK face once, cached for later builds: "
            f"{time.perf_counter() - started:.2f} s wall)"
        )
        bench_project(REPO, out, full)
        long_root = make_project(Path(temporary) / "long")
        bench_project(long_root, out, full)
        shutil.rmtree(out, ignore_errors=True)


def _first_job(out: Path) -> tuple:
    project = load_project(REPO).project
    assert project is not None
    slug = next(s for s in sorted(project.groups) if project.groups[s].lang == "zh")
    return (
        project,
        Theme(project.theme),
        Output(PDF, f"{slug}/handbook.pdf", "handbook_pdf", slug),
        out,
    )


if __name__ == "__main__":
    main()
