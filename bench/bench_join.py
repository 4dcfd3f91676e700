"""Benchmark of reading join QR images at load (issue 15): one export read as given and in grey,
and `load_project` of the example and of a 100-group project with 3 exports and a fallback each,
cold (a fresh Session, as `build` and `check` have) and warm (a watch session after a save)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from playpress.load import load_project  # noqa: E402
from playpress.media.qr import read_codes  # noqa: E402
from playpress.session import Session  # noqa: E402

EXPORT = REPO / "content/assets/qr/xianguo-xinhua-1213.png"
GROUP = "xianguo-xinhua"


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """(fastest, median) seconds of `runs` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def read_as_given(path: Path) -> object:
    import zxingcpp

    with Image.open(path) as image:
        return zxingcpp.read_barcodes(image.convert("RGB"))


def many_groups(root: Path, groups: int) -> Path:
    """The example project with `groups` copies of the Xinhua Road group, each with its own copy
    of the exports (so that nothing is shared between groups)."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "playbooks", root / "playbooks")
    text = (REPO / f"content/groups/{GROUP}.md").read_text(encoding="utf-8")
    qr = root / "content/assets/qr"
    for n in range(groups):
        copy = text
        for name in ("1213", "1220", "1227", "staff"):
            source = qr / f"xianguo-xinhua-{name}.png"
            shutil.copy(source, qr / f"g{n:03d}-{name}.png")
            copy = copy.replace(f"qr/xianguo-xinhua-{name}.png", f"qr/g{n:03d}-{name}.png")
        (root / f"content/groups/g{n:03d}.md").write_text(copy, encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--groups", type=int, default=100)
    runs = parser.parse_args().runs
    groups = parser.parse_args().groups
    print(
        f"one export ({Image.open(EXPORT).size[0]}x{Image.open(EXPORT).size[1]} PNG), {runs} runs"
    )
    for name, work in (
        ("zxing-cpp on the RGB image", lambda: read_as_given(EXPORT)),
        ("read_codes (grey, as Playpress reads)", lambda: read_codes(str(EXPORT))),
    ):
        fastest, median = best_of(runs * 4, work)
        print(f"  {name:40} {fastest * 1000:7.1f} ms best {median * 1000:7.1f} ms median")
    with tempfile.TemporaryDirectory() as tmp:
        big = many_groups(Path(tmp) / "proj", groups)
        for label, root in (("example (7 groups, 4 images)", REPO), (f"{groups} groups", big)):
            unread = best_of(runs, lambda root=root: without_reading(root))
            cold = best_of(runs, lambda root=root: load_project(root, Session()))
            session = Session()
            load_project(root, session)
            warm = best_of(runs, lambda root=root, session=session: load_project(root, session))
            print(f"load_project, {label} (best / median, s):")
            for name, (fastest, median) in (
                ("cold, decoded only", unread),
                ("cold, decoded + read", cold),
                ("warm session", warm),
            ):
                print(f"  {name:22} {fastest:.3f} / {median:.3f}")


def without_reading(root: Path) -> object:
    """load_project with every QR image decoded in full but not read: what version 1 did with
    its qr_image (images are decoded at load to find broken files), to see what reading adds."""
    from playpress.media import qr

    kept = qr.codes_in
    qr.codes_in = lambda _image: qr.Reading(("https://weixin.qq.com/g/x",))
    try:
        return load_project(root, Session())
    finally:
        qr.codes_in = kept


if __name__ == "__main__":
    main()
