"""PNG encoding that is fast and depends on the pixels only (no time stamp, no text chunks)."""

from __future__ import annotations

import struct
import zlib

from PIL import Image

# Speed first (bench/bench_posters.py compares encoders): zlib level 1 on unfiltered rows, with a
# hash table small enough to stay in the CPU cache (memory level 5 of 9: 15 % faster, no bigger).
PNG_COMPRESS_LEVEL = 1
PNG_MEMORY_LEVEL = 5
BAND_ROWS = 64


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(canvas: Image.Image, dpi: int = 0) -> bytes:
    """PNG bytes that depend on the pixels only: an sRGB chunk, the dpi when given (print), no
    time stamp.

    Written here rather than by Pillow: Pillow tries the five PNG filters on every row, which
    took longer than compressing (bench/results/posters.md). Rows are stored unfiltered and zlib
    level 1 compresses them; flat colour and anti-aliased text compress well that way.
    """
    width, height = canvas.size
    # 8 bits per channel, RGB, no interlace
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # perceptual rendering intent: the pixels are sRGB
    chunks = [(b"IHDR", header), (b"sRGB", b"\x00")]
    if dpi:
        per_metre = round(dpi / 0.0254)
        chunks.append((b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    chunks.append((b"IDAT", _compressed_rows(canvas)))
    chunks.append((b"IEND", b""))
    return PNG_SIGNATURE + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


def _compressed_rows(image: Image.Image) -> bytes:
    """The image's rows, each after the byte 0 (PNG filter type None), compressed band by band.

    Bands of BAND_ROWS keep the buffers small: copying the whole image out at once touched fresh
    memory, which cost a first render as much again as the compression.
    """
    stride = image.width * len(image.getbands())
    compressor = zlib.compressobj(PNG_COMPRESS_LEVEL, zlib.DEFLATED, 15, PNG_MEMORY_LEVEL)
    parts = []
    for top in range(0, image.height, BAND_ROWS):
        band = memoryview(
            image.crop((0, top, image.width, min(image.height, top + BAND_ROWS))).tobytes()
        )
        parts.append(
            compressor.compress(
                b"\0" + b"\0".join(band[at : at + stride] for at in range(0, len(band), stride))
            )
        )
    parts.append(compressor.flush())
    return b"".join(parts)
