"""How phone posters' QR codes read when the poster is shown small: each phone poster of a built
dist/ (story, square, portrait) downscaled to 20-50 % of its size and read by zxing-cpp, zbar
(pyzbar) and OpenCV's QRCodeDetector.

`pip install -e '.[bench]'` brings OpenCV (opencv-python-headless); zbar needs Debian's libzbar0.
Usage: python bench/bench_poster_qr.py DIST [DIST ...]   (e.g. a dist/ built before and after)
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

PHONE_SIZES = {(1080, 1920), (1080, 1080), (1080, 1440)}
SCALES = [share / 100 for share in range(20, 52, 2)]


def readers(image: Image.Image) -> tuple[bool, bool, bool]:
    grey = image.convert("L")
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(np.asarray(grey))
    return bool(zxingcpp.read_barcodes(image)), bool(pyzbar.decode(grey)), bool(text)


def qr_share(image: Image.Image) -> float:
    (found,) = zxingcpp.read_barcodes(image)
    p = found.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    return (max(xs) - min(xs)) / min(image.size)


def main(dists: list[str]) -> None:
    for dist in dists:
        print(f"## {dist}\n")
        print("| poster | size | QR / short side | zxing | zbar | OpenCV | at 30 % |")
        print("|---|---|---|---|---|---|---|")
        totals = [0, 0, 0]
        count = 0
        for path in sorted(Path(dist).glob("*/posters/*.png")):
            image = Image.open(path).convert("RGB")
            if image.size not in PHONE_SIZES or not zxingcpp.read_barcodes(image):
                continue
            read = [0, 0, 0]
            at_30 = ""
            for share in SCALES:
                size = (round(image.width * share), round(image.height * share))
                result = readers(image.resize(size, Image.Resampling.LANCZOS))
                read = [r + ok for r, ok in zip(read, result, strict=True)]
                if share == 0.3:
                    at_30 = "".join(n if ok else "-" for n, ok in zip("ZBO", result, strict=True))
            totals = [t + r for t, r in zip(totals, read, strict=True)]
            count += len(SCALES)
            rates = " | ".join(f"{r}/{len(SCALES)}" for r in read)
            print(
                f"| {path.parent.parent.name}/{path.stem} | {image.width}x{image.height} | "
                f"{qr_share(image):.0%} | {rates} | {at_30} |"
            )
        shares = " | ".join(f"{t / count:.0%}" for t in totals)
        print(f"| all ({count // len(SCALES)} posters x {len(SCALES)} scales) | | | {shares} | |\n")


if __name__ == "__main__":
    main(sys.argv[1:] or ["dist"])
