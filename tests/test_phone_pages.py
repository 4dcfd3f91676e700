"""The example's pages on a phone, in headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright: nothing wider than a 360 px screen, sop.html's day index and jump to today (picked by
the page's script, the bytes the same whatever the date), each run of identical daily copy
written out once, the poster links named by their titles, the index's title saying the site once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTH = 360
OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(0, 3).map(e => e.tagName + '.' + e.className);
  return [root.scrollWidth, root.clientWidth, wide];
}"""


@pytest.fixture(scope="module")
def pages(example_dist: Path) -> Path:
    """The example as the suite builds it once (the pages are what is looked at here)."""
    return example_dist


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("headless Chromium is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def lang_of(page: Path) -> str:
    found = re.search(r'<html lang="(\w+)', page.read_text(encoding="utf-8"))
    assert found, page
    return found.group(1)


def one_of_each_kind(dist: Path) -> list[Path]:
    """Every handbook.html and sop.html, and per language one page of each other kind."""
    chosen = sorted(dist.glob("*/handbook.html")) + sorted(dist.glob("*/sop.html"))
    kinds = {
        "index": [dist / "index.html"],
        "group home": sorted(p / "index.html" for p in dist.glob("*") if (p / "sop.html").exists()),
        "person": sorted(dist.glob("people/*/index.html")),
        "day": sorted(dist.glob("days/*/index.html")) + [dist / "days" / "index.html"],
        "tag": sorted(dist.glob("tags/*/index.html")),
        "join": sorted(dist.glob("join/*/index.html")) + [dist / "join" / "index.html"],
    }
    for kind, found in kinds.items():
        found = [p for p in found if p.exists()]
        assert found, kind
        by_lang: dict[str, Path] = {}
        for page in found:
            by_lang.setdefault(lang_of(page), page)
        chosen += by_lang.values()
    return chosen


def test_every_kind_of_page_fits_a_360_px_screen(pages: Path, browser) -> None:
    chosen = one_of_each_kind(pages)
    assert {lang_of(p) for p in chosen} == {"zh", "en", "es"}
    context = browser.new_context(viewport={"width": WIDTH, "height": 740})
    tab = context.new_page()
    too_wide = []
    for page in chosen:
        tab.goto(page.as_uri())
        scroll, client, wide = tab.evaluate(OVERFLOW)
        assert client == WIDTH
        if scroll > client:
            too_wide.append((page.relative_to(pages).as_posix(), scroll, wide))
    context.close()
    assert not too_wide


def test_sop_has_a_day_index_and_a_jump_to_today_picked_by_the_script(pages: Path, browser) -> None:
    page = pages / "kaoyan-english-1" / "sop.html"
    html = page.read_text(encoding="utf-8")
    days = re.findall(r'<section class="day[^"]*" id="d([\d-]+)"', html)
    linked = re.findall(r'<a href="#d([\d-]+)" data-index-date', html)
    assert days and linked == days
    assert not re.search(r'class="[^"]*is-today', html)  # the bytes name no date as today
    reader_today = dt.date.fromisoformat(days[3])
    context = browser.new_context(viewport={"width": WIDTH, "height": 740})
    tab = context.new_page()
    tab.clock.install(time=dt.datetime.combine(reader_today, dt.time(9)))
    tab.goto(page.as_uri())
    assert tab.locator("section.day.is-today").get_attribute("id") == f"d{reader_today}"
    assert tab.locator("a.is-today").get_attribute("href") == f"#d{reader_today}"
    assert tab.evaluate("window.scrollY") == 0
    tab.locator("#jump-today").click()
    top = tab.evaluate(f"document.getElementById('d{reader_today}').getBoundingClientRect().top")
    assert 0 <= top < 20
    context.close()


def test_identical_daily_copy_is_written_out_once_per_run(pages: Path) -> None:
    html = (pages / "paotuan-binhu" / "sop.html").read_text(encoding="utf-8")
    same = re.findall(r'<div class="same"><a href="#(p[\d-]+)">([^<]+)</a>', html)
    assert same, "the running club's daily check-in repeats its copy"
    for anchor, text in same:
        target = re.search(rf'<article [^>]*id="{anchor}">(.*?)</article>', html, re.S)
        assert target and '<div class="copy">' in target.group(1), anchor
        start = dt.date.fromisoformat(anchor[1:11])
        assert text == f"文案同{start.month}月{start.day}日"
    assert html.count('<div class="copy">') + len(same) == html.count("<article ")


def test_long_copy_folds_on_a_phone_and_prints_whole(pages: Path, browser) -> None:
    page = pages / "xianguo-binjiang" / "sop.html"
    context = browser.new_context(viewport={"width": WIDTH, "height": 740})
    tab = context.new_page()
    tab.goto(page.as_uri())
    folded = tab.locator(".copy.folded")
    assert folded.count() > 10
    first = folded.first.element_handle()  # the element itself: unfolded, it leaves `folded`
    short = first.bounding_box()["height"]
    tab.locator("button.unfold").first.click()
    assert first.bounding_box()["height"] > short
    assert tab.locator("button.unfold").first.text_content() == "收起"
    tab.emulate_media(media="print")
    assert tab.locator("button.unfold").first.is_hidden()
    assert tab.evaluate(
        "[...document.querySelectorAll('.copy')].every(c => c.scrollHeight <= c.clientHeight + 1)"
    )
    context.close()


def test_same_text_as_opens_that_day_s_copy_unfolded(pages: Path, browser) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 740})
    tab = context.new_page()
    tab.goto((pages / "paotuan-binhu" / "sop.html").as_uri())
    link = tab.locator(".same a").first
    anchor = link.get_attribute("href")
    assert tab.locator(f"{anchor} .copy.folded").count() == 1
    link.click()
    assert tab.locator(f"{anchor} .copy.folded").count() == 0
    assert 0 <= tab.evaluate(f"document.querySelector('{anchor}').getBoundingClientRect().top") < 5
    context.close()


def test_poster_links_are_named_by_their_titles(pages: Path) -> None:
    sop = (pages / "xianguo-binjiang" / "sop.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="(posters/[^"]+)">([^<]+)</a>', sop)
    assert links and not [text for href, text in links if text.startswith("posters/")]
    home = (pages / "book-circle-park-slope" / "index.html").read_text(encoding="utf-8")
    assert "Saturday Book Talk</a>" in home


def test_the_index_title_says_the_site_once(pages: Path) -> None:
    html = (pages / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>([^<]*)</title>", html)
    assert title and title.group(1).count("社群运营中心") == 1
