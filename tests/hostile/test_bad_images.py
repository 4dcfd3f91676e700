"""Images that do not decode: logos, exported QR images and poster backgrounds (issue 11, item 1).

Each is found before anything is written (dist/ stays byte-identical), by `check` too, and
named in an error line; the line of the key that names it is welcome but not required.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from .harness import SVG_LOGO, Project, assert_refused, assert_unchanged, bomb_png, solid_png
from .projects import BG, G1, LOGO, QR

NOT_AN_IMAGE = b"This file was renamed from notes.txt to .png by hand.\n"


@cache
def bomb() -> bytes:
    """30000 x 30000 pixels (900 megapixels) in a few hundred KB."""
    return bomb_png(30000, 30000)


def truncated() -> bytes:
    whole = solid_png(256, 256, (40, 90, 200))
    return whole[: len(whole) // 2]


def svg_logo(project: Project) -> str:
    project.write("content/assets/logo.svg", SVG_LOGO)
    project.edit(G1, "logo: content/assets/logo.png", "logo: content/assets/logo.svg")
    return "content/assets/logo.svg"


def replace(path: str, data: Callable[[], bytes]) -> Callable[[Project], str]:
    def apply(project: Project) -> str:
        project.write(path, data())
        return path

    return apply


BREAKS: dict[str, Callable[[Project], str]] = {
    "logo-is-an-svg": svg_logo,
    "logo-is-text-renamed-png": replace(LOGO, lambda: NOT_AN_IMAGE),
    "logo-is-a-truncated-png": replace(LOGO, truncated),
    "logo-is-an-empty-file": replace(LOGO, lambda: b""),
    "logo-is-a-decompression-bomb": replace(LOGO, bomb),
    "qr-image-is-not-an-image": replace(QR, lambda: NOT_AN_IMAGE),
    "qr-image-is-a-truncated-png": replace(QR, truncated),
    "qr-image-is-a-decompression-bomb": replace(QR, bomb),
    "background-is-not-an-image": replace(BG, lambda: NOT_AN_IMAGE),
    "background-is-a-truncated-png": replace(BG, truncated),
    "background-is-a-decompression-bomb": replace(BG, bomb),
}


@pytest.mark.parametrize("name", BREAKS)
def test_build_refuses_a_broken_image_before_writing(project, name: str) -> None:
    image = BREAKS[name](project)
    run = project.build()
    assert_refused(run, image)
    assert_unchanged(project.before, project.snapshot())


CHECKED = [
    "logo-is-an-svg",
    "logo-is-text-renamed-png",
    "logo-is-a-truncated-png",
    "logo-is-a-decompression-bomb",
    "qr-image-is-not-an-image",
    "background-is-not-an-image",
    "background-is-a-decompression-bomb",
]


@pytest.mark.parametrize("name", CHECKED)
def test_check_finds_a_broken_image(project, name: str) -> None:
    image = BREAKS[name](project)
    assert_refused(project.check(), image)


def test_broken_logo_leaves_handbook_pdfs_as_they_were(pdf_project) -> None:
    """The handbook (HTML and PDF) shows the logo too: nothing of it is rewritten."""
    pdf_project.write(LOGO, truncated())
    run = pdf_project.build_pdf()
    assert_refused(run, LOGO)
    assert_unchanged(pdf_project.before, pdf_project.snapshot())
