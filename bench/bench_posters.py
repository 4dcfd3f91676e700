"""Poster speed: CPU ms per poster for story and a4, cold (fresh process), warm (fonts loaded) and
cached (no-op build)."""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GROUPS = 8

PLAYBOOK = """\
---
title: 鲜果铺福利群
type: product
posters:
  - id: story
    size: story
    layout: headline
    title: 周末水果节
    subtitle: "{{ group.name }}"
    lines: [当天到货 实拍发群, 9:30前下单再减2元, 满39元 3公里内免费送]
    cta: 扫码进群 每天都有特价
  - id: a4
    size: a4
    layout: counter
    title: 扫码进群 天天有特价
    subtitle: "{{ group.name }}"
    lines: [每天 11:30 午间秒杀, 每天 17:30 拼团接龙, 每周三 全场会员日]
    cta: 微信扫一扫 加入福利群
---
"""


def make_project(root: Path) -> None:
    from PIL import Image

    (root / "playbooks").mkdir(parents=True)
    (root / "content/groups").mkdir(parents=True)
    (root / "content/assets").mkdir(parents=True)
    (root / "playbooks/shop.md").write_text(PLAYBOOK, encoding="utf-8")
    Image.new("RGBA", (256, 256), (46, 125, 50, 255)).save(root / "content/assets/logo.png")
    for n in range(GROUPS):
        (root / f"content/groups/shop-{n}.md").write_text(
            textwrap.dedent(f"""\
            ---
            name: 鲜果铺·{n}号店福利群
            playbook: shop
            start: 2026-12-01
            days: 7
            join_url: https://example.com/j/shop-{n}
            brand: {{color: "#2E7D32", accent: "#FFB300", logo: content/assets/logo.png}}
            ---
            """),
            encoding="utf-8",
        )


RENDER_ONE = """
import sys, time
started = time.process_time()
from pathlib import Path
sys.path.insert(0, {repo!r})
from playpress.outputs.job import POSTERS, Job, Output
from playpress.outputs.posters import poster_png
from playpress.load import load_project
from playpress.theme import Theme
imported = time.process_time()
project = load_project(Path({root!r})).project
theme = Theme(project.theme)
loaded = time.process_time()
poster_png(Job(project, theme, Output(POSTERS, "x.png", "poster", "shop-0", {poster!r}),
Path("/tmp")))
done = time.process_time()
print((imported - started) * 1000, (loaded - imported) * 1000, (done - loaded) * 1000)
"""


def cold(root: Path, poster: str, runs: int = 7) -> tuple[float, float, float]:
    """A fresh process renders one poster: fonts, layouts and the QR encoder all start cold (CPU
    ms, median)."""
    samples = []
    for _ in range(runs):
        code = RENDER_ONE.format(repo=str(REPO), root=str(root), poster=poster)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        samples.append(tuple(float(v) for v in out.split()))
    # type: ignore[return-value]
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))


def warm(root: Path, poster: str) -> float:
    """Fonts loaded; each group has its own link, so every QR is encoded afresh (CPU ms, median)."""
    from playpress.load import load_project
    from playpress.outputs.job import POSTERS, Job, Output
    from playpress.outputs.posters import poster_png
    from playpress.theme import Theme

    project = load_project(root).project
    assert project is not None
    theme = Theme(project.theme)
    job = Job(project, theme, Output(POSTERS, "x.png", "poster", "shop-0", poster), Path("/tmp"))
    poster_png(job)  # load the fonts
    times = []
    for n in range(1, GROUPS):
        job = Job(
            project, theme, Output(POSTERS, "x.png", "poster", f"shop-{n}", poster), Path("/tmp")
        )
        started = time.process_time()
        poster_png(job)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def cached(root: Path, out: Path) -> tuple[float, float]:
    """A full build (posters only differ), then a no-op build: ms per poster for each."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(REPO / "build.py"),
                "build",
                "--root",
                str(root),
                "--out",
                str(out),
                "--no-pdf",
                "--jobs",
                "1",
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        timings.append((time.perf_counter() - started) * 1000 / (2 * GROUPS))
    return timings[0], timings[1]


def encoders(root: Path) -> list[tuple[str, str, float, int]]:
    """PNG encoding of a rendered poster: Playpress's own writer against Pillow's encoder (CPU ms,
    min of 5)."""
    from PIL import Image

    from playpress.load import load_project
    from playpress.outputs.job import POSTERS, Job, Output
    from playpress.outputs.posters import poster_png
    from playpress.theme import Theme

    project = load_project(root).project
    assert project is not None
    theme = Theme(project.theme)
    rows = []
    for name in ("story", "a4"):
        job = Job(project, theme, Output(POSTERS, "x.png", "poster", "shop-0", name), Path("/tmp"))
        image = Image.open(io.BytesIO(poster_png(job)))
        image.load()
        poster = job.playbook.poster(name)

        rows += encodings(name, image, poster)
    return rows


PILLOW_OPTIONS = {
    "Pillow level 1, RLE (before)": {"compress_level": 1, "compress_type": zlib.Z_RLE},
    "Pillow level 1": {"compress_level": 1},
    "Pillow level 0 (stored)": {"compress_level": 0},
}


def encodings(name: str, image: object, poster: object) -> list[tuple[str, str, float, int]]:
    from playpress.media.png import encode_png

    def pillow(options: dict) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, "PNG", **options)  # type: ignore[attr-defined]
        return buffer.getvalue()

    # type: ignore[attr-defined]
    runs = {
        "playpress: unfiltered, zlib 1, memory level 5": lambda: encode_png(
            image, poster.dpi if poster.for_print else 0
        )
    }
    runs.update(
        {
            label: (lambda options=options: pillow(options))
            for label, options in PILLOW_OPTIONS.items()
        }
    )
    rows = []
    for label, run in runs.items():
        samples = []
        for _ in range(5):
            started = time.process_time()
            data = run()
            samples.append((time.process_time() - started) * 1000)
        rows.append((name, label, min(samples), len(data) // 1024))
    return rows


def example_build(out: Path) -> tuple[float, float] | None:
    """A cold `build.py --no-pdf` of the example project: wall seconds and CPU seconds (all
    processes)."""
    if not (REPO / "content/groups").is_dir():
        return None
    before = os.times()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--no-pdf", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "proj"
        make_project(root)
        print(
            f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; CPU time "
            "(process_time)"
        )
        print(
            "\n| poster | cold: import ms | cold: load project ms | cold: render ms | warm render "
            "ms |"
        )
        print("|---|---|---|---|---|")
        for poster in ("story", "a4"):
            imported, loaded, render = cold(root, poster)
            print(
                f"| {poster} | {imported:.0f} | {loaded:.0f} | {render:.0f} | "
                f"{warm(root, poster):.0f} |"
            )
        full, noop = cached(root, Path(folder) / "dist")
        print(
            f"\nbuild of {2 * GROUPS} posters, --jobs 1, whole process (wall): {full:.0f} ms per "
            "poster; "
            f"no-op rebuild (all current): {noop:.1f} ms per poster"
        )
        print("\n| poster | PNG encoder | encode ms | KiB |")
        print("|---|---|---|---|")
        for poster, label, ms, size in encoders(root):
            print(f"| {poster} | {label} | {ms:.0f} | {size} |")
        example = example_build(Path(folder) / "example")
        if example:
            print(
                f"\ncold `build.py --no-pdf` of the example project: {example[0]:.2f} s wall, "
                f"{example[1]:.2f} s CPU"
            )


if __name__ == "__main__":
    main()
