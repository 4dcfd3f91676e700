"""Posters as a user checks them: pixel size, dpi, a QR that a real reader decodes, fitted text,
fonts."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
import segno
import zxingcpp
from conftest import REPO, run_cli, write_project
from PIL import Image, ImageChops, ImageDraw

from playpress.build import Options, build
from playpress.diagnostics import UserError
from playpress.load import load_project
from playpress.media.draw import Rect, paint
from playpress.outputs.job import Job
from playpress.outputs.kinds import group_outputs
from playpress.outputs.posters import poster_png
from playpress.templates import render
from playpress.theme import Theme

GIVEN_QR = "https://example.com/wx/given-qr-20270101"


def render_all(
    root: Path, out: Path, per_occurrence: int = 0
) -> dict[str, tuple[Image.Image, bytes, Job]]:
    """Every poster of every group, rendered in this process: {group/poster: (image, bytes,
    job)}. With `per_occurrence`, only that many of each poster made per occurrence (the
    example's fruit shops make one per day)."""
    loaded = load_project(root)
    assert loaded.project is not None, [str(d) for d in loaded.report.diagnostics]
    project = loaded.project
    theme = Theme(project.theme)
    rendered = {}
    for slug, group in sorted(project.groups.items()):
        # as the plan has them: posters/ID.png, or posters/ID/DATE.png per occurrence
        made: dict[str, int] = {}
        for output in group_outputs(project, group):
            if output.kind != "poster":
                continue
            if per_occurrence and output.path.count("/") == 3:  # GROUP/posters/ID/DATE.png
                made[output.poster] = made.get(output.poster, 0) + 1
                if made[output.poster] > per_occurrence:
                    continue
            job = Job(project, theme, output, out)
            data = poster_png(job)
            name = output.path.removeprefix(f"{slug}/posters/").removesuffix(".png")
            rendered[f"{slug}/{name}"] = (Image.open(io.BytesIO(data)), data, job)
    return rendered


def decoded(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]


PLAYBOOK = """
---
title: {title}
type: product
posters:
  - id: story
    size: story
    layout: headline
    title: "{{{{ group.name }}}}"
    subtitle: {subtitle}
    lines: [{lines}]
    cta: {cta}
  - id: square
    size: square
    layout: offer
    title: {title}
    lines: [{lines}]
    cta: {cta}
  - id: portrait
    size: portrait
    title: {title}
    cta: {cta}
  - id: counter
    size: a5
    layout: counter
    title: {title}
    subtitle: "{{{{ group.name }}}}"
    lines: [{lines}]
    cta: {cta}
  - id: tent
    size: a6
    layout: counter
    title: {title}
    cta: {cta}
    qr: "{{{{ group.join_url }}}}?from=tent"
  - id: banner
    size: cover
    title: {title}
    qr: false
---
"""


def group(name: str, playbook: str, lang: str, colour: str, extra: str = "") -> str:
    return f"""
---
name: {name}
playbook: {playbook}
start: 2026-12-01
days: 7
lang: {lang}
join_url: https://example.com/j/{playbook}-{lang}
brand: {{color: "{colour}", accent: "#FFD54F", logo: content/assets/logo.png}}
{extra}
---
"""


def with_logo(root: Path) -> Path:
    (root / "content/assets").mkdir(parents=True, exist_ok=True)
    logo = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    logo.paste((200, 40, 40, 255), (40, 40, 216, 216))
    logo.save(root / "content/assets/logo.png")
    return root


@pytest.fixture(scope="module")
def held_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chinese, English and Spanish groups; brand colours near the QR's (#111111, #000000) and a
    pale one."""
    root = tmp_path_factory.mktemp("held") / "proj"
    files = {
        "playbooks/zh.md": PLAYBOOK.format(
            title="周末水果节",
            subtitle="周六上午10点 开抢",
            lines="当天到货 实拍发群, 满39元免费送（3公里内）",
            cta="扫码进群 每天都有特价",
        ),
        "playbooks/en.md": PLAYBOOK.format(
            title="Saturday Book Talk",
            subtitle="10:00 at the library",
            lines="Now reading a great novel, Come anyway",
            cta="Scan to join",
        ),
        "playbooks/es.md": PLAYBOOK.format(
            title="Café del día ☕",
            subtitle="Pan a mitad de precio",
            lines="Promoción solo para el grupo, ¡Pide por mensaje!",
            cta="Escanea y únete",
        ),
        "content/groups/zh-black.md": group("鲜果铺·滨江店福利群", "zh", "zh", "#111111"),
        "content/groups/en-pure-black.md": group("Park Slope Book Circle", "en", "en", "#000000"),
        "content/groups/es-yellow.md": group("Café La Esquina", "es", "es", "#FFEB3B"),
        "content/groups/zh-given.md": group(
            "新华路店福利群",
            "zh",
            "zh",
            "#2E7D32",
            "qr_image: content/assets/qr.png\nqr_expires: 2027-01-05",
        ),
    }
    with_logo(write_project(root, files))
    segno.make_qr(GIVEN_QR, error="m").save(str(root / "content/assets/qr.png"), scale=6, border=4)
    return root


@pytest.fixture(scope="module")
def held_out_posters(held_out: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return render_all(held_out, tmp_path_factory.mktemp("out"))


SIZES = {
    "story": (1080, 1920),
    "square": (1080, 1080),
    "portrait": (1080, 1440),
    "counter": (1748, 2480),
    "tent": (1240, 1748),
    "banner": (900, 383),
}


def test_held_out_posters_have_their_size_dpi_and_a_readable_qr(held_out_posters: dict) -> None:
    assert len(held_out_posters) == 4 * 6
    for key, (image, _, job) in held_out_posters.items():
        slug, poster_id = key.split("/")
        assert image.size == SIZES[poster_id], key
        assert image.mode == "RGB"
        assert image.info.get("srgb") == 0, key  # the sRGB chunk
        if poster_id in ("counter", "tent"):
            assert tuple(round(v) for v in image.info["dpi"]) == (300, 300), key
        else:
            assert "dpi" not in image.info, key
        expected = {
            "banner": [],
            "tent": [f"{job.group.join_url}?from=tent"],
        }.get(poster_id, [GIVEN_QR] if slug == "zh-given" else [job.group.join_url])
        assert decoded(image) == expected, key


def test_brand_colour_only_colours_the_qr_when_dark_enough(held_out_posters: dict) -> None:
    """#111111 and #000000 pass 7:1 against white and colour the modules; yellow falls back to
    near-black."""
    for slug, module in (
        ("zh-black", (17, 17, 17)),
        ("en-pure-black", (0, 0, 0)),
        ("es-yellow", (17, 17, 17)),
    ):
        image = held_out_posters[f"{slug}/tent"][0]
        colours = {c for _, c in image.getcolors(1 << 20)}
        assert module in colours, slug
        assert (255, 235, 59) not in colours or slug == "es-yellow"


def test_given_qr_image_has_its_expiry_printed_and_stays_sharp(held_out_posters: dict) -> None:
    image, _, job = held_out_posters["zh-given/story"]
    assert decoded(image) == [GIVEN_QR]
    text = job.labels()["poster_valid_until"]
    assert "{date}" in text
    # NEAREST enlargement by a whole factor: only the two colours of the given image, no grey edges
    x, y = round(0.08 * 1080), round(0.7 * 1920)
    region = image.crop((x + 10, y + 10, x + 300, y + 300))
    assert {c for _, c in region.getcolors(1 << 16)} <= {(0, 0, 0), (255, 255, 255)}


def test_same_inputs_same_bytes(held_out: Path, held_out_posters: dict, tmp_path: Path) -> None:
    again = render_all(held_out, tmp_path)
    assert {k: v[1] for k, v in again.items()} == {k: v[1] for k, v in held_out_posters.items()}


def test_fonts_layout_and_logo_are_recorded_as_inputs(held_out_posters: dict) -> None:
    job = held_out_posters["zh-black/story"][2]
    reads = job.reads.paths
    # the Chinese Regular and its real Bold, and the variable font they are cut from
    assert any("NotoSansCJKsc-Regular" in p and Path(p).is_absolute() for p in reads)
    assert any("NotoSansCJKsc-Bold" in p for p in reads)
    assert any(p.endswith("NotoSansCJK-VF.otf.ttc") for p in reads)
    assert any(p.endswith("posters/headline.yml") for p in reads)
    assert "content/assets/logo.png" in reads
    assert "content/assets/qr.png" in held_out_posters["zh-given/story"][2].reads.paths


def test_emoji_without_a_font_is_left_out_with_a_warning(held_out: Path, tmp_path: Path) -> None:
    """No emoji font (the theme's symbols face is DejaVu Sans, not the Noto Emoji from pip)."""
    dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(dejavu).is_file():
        pytest.skip("DejaVu Sans is not installed")
    root = with_logo(tmp_path / "emoji")
    write_project(
        root,
        {
            "playbooks/p.md": PLAYBOOK.format(
                title="周末水果节🍎🍊", subtitle="开抢👍🏽", lines="a, b", cta="扫码❤️进群"
            ),
            "content/groups/g.md": group("水果群", "p", "zh", "#C62828"),
            "themes/default/theme.yml": f"fonts: {{symbols: {dejavu}}}\n",
        },
    )
    rendered = render_all(root, tmp_path / "out")
    image, _, job = rendered["g/story"]
    assert decoded(image) == [job.group.join_url]
    assert [d.message for d in job.warnings] == [
        "poster 'story' for group 'g': no font here draws the emoji 👍: left out of the poster"
    ]
    messages = [d.message for d in rendered["g/square"][2].warnings]
    assert any("poster 'square'" in m and "🍎 🍊" in m for m in messages), messages
    assert not any("❤" in m for m in messages)  # a symbol font (DejaVu) draws it


def test_emoji_are_drawn_by_the_noto_emoji_from_pip(held_out: Path, tmp_path: Path) -> None:
    root = with_logo(tmp_path / "emoji")
    write_project(
        root,
        {
            "playbooks/p.md": PLAYBOOK.format(
                title="周末水果节🍎🍊", subtitle="开抢👍", lines="a, b", cta="扫码❤️进群"
            ),
            "content/groups/g.md": group("水果群", "p", "zh", "#C62828"),
        },
    )
    rendered = render_all(root, tmp_path / "out")
    for key in ("g/story", "g/square"):
        assert not rendered[key][2].warnings, [d.message for d in rendered[key][2].warnings]
    assert any("NotoEmoji" in p for p in rendered["g/story"][2].reads.paths)


def test_long_title_shrinks_then_warns(tmp_path: Path) -> None:
    long_title = "这是一个非常非常长的海报标题，" * 12
    root = with_logo(tmp_path / "long")
    write_project(
        root,
        {
            "playbooks/p.md": PLAYBOOK.format(
                title=long_title, subtitle="x", lines="a", cta="扫码进群"
            ),
            "content/groups/g.md": group("水果群", "p", "zh", "#C62828"),
        },
    )
    rendered = render_all(root, tmp_path / "out")
    warned = {
        key
        for key, (_, _, job) in rendered.items()
        if any("title does not fit" in d.message for d in job.warnings)
    }
    assert "g/square" in warned and "g/portrait" in warned
    assert "g/story" not in warned  # the group's name is short
    for key, (image, _, job) in rendered.items():
        if key != "g/banner":
            assert decoded(image) == [
                job.group.join_url + ("?from=tent" if key == "g/tent" else "")
            ], key


def test_missing_character_is_an_error_naming_poster_and_character(tmp_path: Path) -> None:
    root = with_logo(tmp_path / "pua")
    write_project(
        root,
        {
            "playbooks/p.md": PLAYBOOK.format(
                title="周末\ue000水果节", subtitle="x", lines="a", cta="扫码进群"
            ),
            "content/groups/g.md": group("水果群", "p", "zh", "#C62828"),
        },
    )
    with pytest.raises(UserError, match=r"poster 'square' for group 'g'.*U\+E000"):
        render_all(root, tmp_path / "out")
    result = run_cli(
        "build", "--root", str(root), "--out", str(tmp_path / "dist"), "--no-pdf", "--jobs", "1"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "playbooks/p.md" in output and "poster 'square'" in output and "U+E000" in output


def test_a_poster_that_did_not_change_is_not_rendered_again(held_out: Path, tmp_path: Path) -> None:
    options = Options(root=held_out, out=tmp_path / "dist", pdf=False, jobs=1)
    first = build(options)
    posters = [p for p in first.written if "/posters/" in p]
    assert len(posters) == 24
    second = build(options)
    assert not [p for p in second.written if "/posters/" in p]


@pytest.mark.skipif(
    not (REPO / "content/groups").is_dir(), reason="the example project is not there"
)
def test_example_posters(tmp_path: Path) -> None:
    rendered = render_all(REPO, tmp_path, per_occurrence=3)
    assert rendered
    for key, (image, _, job) in rendered.items():
        poster = job.playbook.poster(job.output.poster)
        assert image.size == (poster.width, poster.height), key
        if poster.for_print:
            assert tuple(round(v) for v in image.info["dpi"]) == (300, 300), key
        if not poster.has_qr:
            continue
        base, group = job.project.site.base_url.rstrip("/"), job.group
        live = f"{base}/join/{group.slug}/"
        if poster.qr is not None and poster.qr.source == "live":
            expected = [live]
        elif poster.qr is not None:
            expected = [render(poster.qr, job.values, group)]
        elif group.qr_images and poster.for_print and base:
            expected = [live]  # a printed card outlasts this week's export
        elif group.qr_images:  # a phone poster: the newest export
            expected = decoded(Image.open(REPO / group.qr_images[-1].file))
        else:
            expected = [group.join_url]
        assert decoded(image) == expected, key


PHONE_SIZES = {(1080, 1920), (1080, 1080), (1080, 1440)}  # story, square, portrait


def qr_width(image: Image.Image) -> int:
    """The code's width in pixels where zxing-cpp finds it (its modules, not the quiet zone)."""
    (found,) = zxingcpp.read_barcodes(image)
    corners = found.position
    xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
    return max(xs) - min(xs)


def read_small(image: Image.Image, share: float) -> tuple[bool, bool]:
    """Whether zxing-cpp and zbar read the poster shown at `share` of its size (a picture in a
    chat, a screenshot on another phone)."""
    from pyzbar import pyzbar

    small = image.resize(
        (round(image.width * share), round(image.height * share)), Image.Resampling.LANCZOS
    )
    return bool(zxingcpp.read_barcodes(small)), bool(pyzbar.decode(small.convert("L")))


def check_phone_qr(posters: dict[str, Image.Image]) -> None:
    assert posters
    for key, image in posters.items():
        assert qr_width(image) >= min(image.size) / 4, (key, qr_width(image), image.size)
        assert read_small(image, 0.3) == (True, True), key


def test_phone_posters_have_a_qr_a_quarter_of_their_short_side_read_when_shown_small(
    held_out_posters: dict,
) -> None:
    check_phone_qr(
        {
            key: image
            for key, (image, _, job) in held_out_posters.items()
            if image.size in PHONE_SIZES and job.playbook.poster(job.output.poster).has_qr
        }
    )


def test_the_example_projects_phone_posters_too(example_dist: Path) -> None:
    posters = {}
    # each poster of a group, and the first date of each poster made per occurrence
    dated = [next(iter(sorted(d.glob("*.png"))), None) for d in example_dist.glob("*/posters/*/")]
    for path in sorted(example_dist.glob("*/posters/*.png")) + sorted(p for p in dated if p):
        image = Image.open(path).convert("RGB")
        if image.size in PHONE_SIZES and zxingcpp.read_barcodes(image):
            group = path.parts[len(example_dist.parts)]
            posters[f"{group}/{path.relative_to(example_dist / group / 'posters')}"] = image
    assert len(posters) >= 15
    check_phone_qr(posters)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, each checked against its CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_png_is_well_formed_and_carries_only_pixels_colour_space_and_dpi(
    held_out_posters: dict,
) -> None:
    for key in ("zh-black/story", "zh-black/counter"):
        image, data, job = held_out_posters[key]
        chunks = png_chunks(data)
        kinds = [kind for kind, _ in chunks]
        print_size = job.playbook.poster(job.output.poster).for_print
        assert kinds == [b"IHDR", b"sRGB", *([b"pHYs"] if print_size else []), b"IDAT", b"IEND"], (
            key
        )
        width, height, depth, colour_type = struct.unpack(">IIBB", chunks[0][1][:10])
        assert (width, height, depth, colour_type) == (*image.size, 8, 2)
        rows = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
        assert len(rows) == height * (1 + 3 * width)
        assert len(data) < 600_000, key  # fine to send in a chat


def test_rounded_corners_are_smooth_and_edges_solid() -> None:
    """The QR frame and pills: drawn corner by corner, they match a whole 4x supersampled shape."""
    size, radius, fill = (700, 300), 40.0, (46, 125, 50)
    canvas = Image.new("RGB", (size[0] + 20, size[1] + 20), (255, 255, 255))
    paint(canvas, Rect(10, 10, *size), fill, radius=radius)
    big = Image.new("L", (size[0] * 4, size[1] * 4), 0)
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, size[0] * 4 - 1, size[1] * 4 - 1), radius=radius * 4, fill=255
    )
    expected = Image.new("RGB", canvas.size, (255, 255, 255))
    expected.paste(
        fill, (10, 10, 10 + size[0], 10 + size[1]), big.resize(size, Image.Resampling.BOX)
    )
    assert ImageChops.difference(canvas, expected).getbbox() is None
    corner = {c for _, c in canvas.crop((10, 10, 30, 30)).getcolors(1 << 16)}
    assert len(corner) > 5  # anti-aliased
    assert canvas.crop((60, 10, 660, 310)).getcolors() == [(600 * 300, fill)]
