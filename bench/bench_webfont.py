"""Benchmark of the pages' CJK fonts on the example project: for each font the build makes, the
characters of its pages, the cut (HarfBuzz subset) and the WOFF2 compression times, the sizes as
WOFF2 and WOFF, and what a real bold would add; then a cached cut, and the bytes of two cold cuts.

    python bench/bench_webfont.py [--dist DIST]   (DIST: a built example; else built --no-pdf)
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playpress.build import Options, build  # noqa: E402
from playpress.load import load_project  # noqa: E402
from playpress.media import noto  # noqa: E402
from playpress.media.webfont import cjk_characters, subset  # noqa: E402
from playpress.outputs.kinds import plan  # noqa: E402
from playpress.outputs.webfont import pages_of  # noqa: E402
from playpress.session import Session  # noqa: E402


def cut(path: str, chars: frozenset[str], flavor: str) -> tuple[int, float, float]:
    """Bytes, subset seconds, compression seconds of one cut (no cache)."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    started = time.perf_counter()
    face = hb.Face(hb.Blob.from_file_path(path))
    plan_ = hb.SubsetInput()
    plan_.unicode_set.update(ord(c) for c in chars)
    data = hb.subset(face, plan_).blob.data
    subset_seconds = time.perf_counter() - started
    started = time.perf_counter()
    font = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    font.flavor = flavor
    buffer = io.BytesIO()
    font.save(buffer)
    return len(buffer.getvalue()), subset_seconds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dist", type=Path)
    args = parser.parse_args()
    dist = args.dist
    if dist is None:
        dist = Path(tempfile.mkdtemp()) / "dist"
        started = time.perf_counter()
        result = build(Options(REPO, dist, pdf=False))
        assert not result.failed()
        print(f"example built --no-pdf in {time.perf_counter() - started:.1f} s\n")
    with Session() as session:
        project = load_project(REPO, session).project
    assert project is not None
    fonts = sorted(o.path for o in plan(project) if o.kind in ("webfont", "site_webfont"))
    regular, bold = noto.cjk_regular_face(), noto.cjk_bold_face()
    assert regular is not None and bold is not None
    print("| font | pages | CJK chars | subset ms | WOFF2 s | WOFF2 KB | WOFF KB | Bold WOFF2 KB |")
    print("|---|---|---|---|---|---|---|---|")
    totals = {"woff2": 0, "woff": 0, "bold": 0}
    compress: list[float] = []
    biggest: tuple[int, frozenset[str]] = (0, frozenset())
    for font in fonts:
        pages = pages_of(project, font)
        chars: set[str] = set()
        for page in pages:
            if (dist / page).is_file():
                chars |= cjk_characters((dist / page).read_text(encoding="utf-8"))
        frozen = frozenset(chars)
        size2, subset_s, woff2_s = cut(regular.path, frozen, "woff2")
        size1, _, _ = cut(regular.path, frozen, "woff")
        size_bold, _, _ = cut(bold.path, frozen, "woff2")
        assert size2 == (dist / font).stat().st_size, font  # what the build wrote
        totals["woff2"] += size2
        totals["woff"] += size1
        totals["bold"] += size_bold
        compress.append(woff2_s)
        biggest = max(biggest, (len(frozen), frozen), key=lambda pair: pair[0])
        print(
            f"| {font} | {len(pages)} | {len(frozen)} | {subset_s * 1000:.0f} | {woff2_s:.2f} "
            f"| {size2 / 1024:.0f} | {size1 / 1024:.0f} | {size_bold / 1024:.0f} |"
        )
    print(
        f"\n{len(fonts)} fonts: WOFF2 {totals['woff2'] / 1024:.0f} KB in all (WOFF "
        f"{totals['woff'] / 1024:.0f} KB; a real bold would add {totals['bold'] / 1024:.0f} KB); "
        f"WOFF2 compression {sum(compress):.1f} s in all, "
        f"median {statistics.median(compress):.2f} s"
    )
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        chars = biggest[1]
        a = subset(regular, chars, Path(first))
        from playpress.media import webfont

        webfont._subset.cache_clear()  # the process's cache: measure the disk's
        started = time.perf_counter()
        again = subset(regular, chars, Path(first))
        cached = time.perf_counter() - started
        webfont._subset.cache_clear()
        b = subset(regular, chars, Path(second))
        print(
            f"largest set ({len(chars)} chars): read from the disk cache in "
            f"{cached * 1000:.1f} ms; "
            f"two cold cuts in fresh caches identical: {a == b == again}"
        )


if __name__ == "__main__":
    main()
