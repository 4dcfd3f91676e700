"""The live preview in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright, against `python build.py serve` run as a user runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import BUILD_PY, MINIMAL_GROUP, MINIMAL_PLAYBOOK, REPO, write_project

CHROMIUM = Path("/usr/bin/chromium")
BUILTIN_HANDBOOK = REPO / "playpress/themes/default/templates/handbook.typ"
# As root, in a closed network: no sandbox, no GPU, none of Chromium's own calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TABS = 8  # more than the six connections a browser gives one host


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("headless Chromium is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Served:
    """`python build.py serve` in a subprocess, and what it printed so far."""

    root: Path
    process: subprocess.Popen[str]
    url: str = ""
    lines: list[str] = field(default_factory=list)

    def printed(self, pattern: str, after: int = 0) -> bool:
        return any(re.search(pattern, line) for line in self.lines[after:])

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])


def start_serve(root: Path, *options: str) -> Served:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    process = subprocess.Popen(
        [sys.executable, "-u", str(BUILD_PY), "serve", "--root", str(root), "--port", "0"]
        + list(options),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(root, process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line.rstrip("\n"))
            found = re.search(r"serving .* at (http://\S+)", line)
            if found:
                served.url = found.group(1)

    threading.Thread(target=read, daemon=True).start()
    return served


def stop_serve(served: Served) -> None:
    served.process.terminate()
    served.process.wait(timeout=10)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)
    return time.perf_counter() - started


def open_connections(port: int) -> int:
    """TCP connections to the server now established (the kernel's own table): with every page
    loaded, these are the event streams held open."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                count += 1
    return count


SITE = "title: 运营中心\nlang: zh\n"


@pytest.fixture(scope="module")
def three_groups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Three Chinese groups with a poster each, served without PDFs (pages and posters only)."""
    files = {"playbooks/course.md": MINIMAL_PLAYBOOK, "content/site.yml": SITE}
    for n in (1, 2, 3):
        files[f"content/groups/g{n}.md"] = MINIMAL_GROUP.replace("冲刺1群", f"冲刺{n}群").replace(
            "/j/abc", f"/j/g{n}"
        )
    root = write_project(tmp_path_factory.mktemp("preview") / "proj", files)
    served = start_serve(root, "--no-pdf")
    try:
        wait_for(lambda: served.printed(r"posters: \d+ written"), 60, "the first build")
        yield served
    finally:
        stop_serve(served)


PAGES = ["index.html"] + [
    f"g{n}/{page}" for n in (1, 2, 3) for page in ("sop.html", "handbook.html")
]
PAGES.append("g1/")  # a group folder's listing, made by the server
COUNT_LOADS = "sessionStorage.loads = String(Number(sessionStorage.loads || 0) + 1)"


def page_loads(tab: object) -> int:
    """How often the tab loaded its page (0 while it is reloading)."""
    from playwright.sync_api import Error

    try:
        return int(tab.evaluate("sessionStorage.loads"))  # type: ignore[attr-defined]
    except Error:  # the page is being replaced by its reload
        return 0


@pytest.mark.parametrize("transport", ["SharedWorker", "Web Lock without SharedWorker"])
def test_eight_tabs_load_at_once_share_one_stream_and_reload_once_per_save(
    browser: object, three_groups: Served, transport: str
) -> None:
    served = three_groups
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(COUNT_LOADS)
    if transport != "SharedWorker":  # as Chrome on Android: no SharedWorker
        context.add_init_script("delete window.SharedWorker")
    try:
        tabs = []
        for path in PAGES[:TABS]:
            tab = context.new_page()
            started = time.perf_counter()
            tab.goto(served.url + path, timeout=5000)
            assert time.perf_counter() - started < 1.0, f"{path} took over 1 s to load"
            tabs.append(tab)
        assert len(tabs) == TABS
        wait_for(lambda: open_connections(served.port) == 1, 3, "one event stream for all tabs")

        def loads() -> list[int]:
            return [page_loads(tab) for tab in tabs]

        assert loads() == [1] * TABS
        after = len(served.lines)
        # the playbook's title: every page shows it (a page whose bytes a save leaves as they
        # were is not reloaded)
        title = f"考研英语冲刺·{transport[:3]}"
        playbook = served.root / "playbooks/course.md"
        playbook.write_text(
            playbook.read_text("utf-8").replace("title: 考研英语冲刺", f"title: {title}", 1),
            "utf-8",
        )
        wait_for(lambda: loads() == [2] * TABS, 10, "every tab reloaded")
        wait_for(lambda: served.printed(r"posters: \d+ written", after), 10, "the posters pass")
        time.sleep(0.5)  # a second reload would come now, after the posters pass
        assert loads() == [2] * TABS
        assert title in tabs[0].content()  # the index shows the new title
        assert open_connections(served.port) == 1
    finally:
        context.close()


def test_a_redrawn_poster_is_swapped_in_place_without_a_reload(
    browser: object, three_groups: Served
) -> None:
    """A save that changes only posters (a theme's poster layout) reloads no page: the handbook
    fetches its poster image again."""
    served = three_groups
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(COUNT_LOADS)
    try:
        tab = context.new_page()
        tab.goto(served.url + "g1/handbook.html")
        wait_for(lambda: open_connections(served.port) == 1, 3, "the event stream")
        after = len(served.lines)
        layout = served.root / "themes/default/posters/headline.yml"
        layout.parent.mkdir(parents=True, exist_ok=True)
        builtin = REPO / "playpress/themes/default/posters/headline.yml"
        layout.write_text(builtin.read_text("utf-8").replace("#FFFFFF", "#FFFFF0", 1), "utf-8")
        wait_for(lambda: served.printed(r"posters: 3 written", after), 10, "the posters pass")

        def poster_src() -> str:
            return tab.eval_on_selector("img[src*='posters/']", "image => image.src")

        wait_for(lambda: "playpress=" in poster_src(), 3, "the poster fetched again")
        assert page_loads(tab) == 1
        image = tab.locator("img[src*='posters/']").first
        image.scroll_into_view_if_needed()  # lazily loaded: fetched once in view
        wait_for(
            lambda: image.evaluate("image => image.complete && image.naturalWidth > 0"),
            3,
            "the redrawn poster shown",
        )
    finally:
        context.close()


@pytest.fixture(scope="module")
def with_pdf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One Chinese group, served with its handbook PDF."""
    files = {
        "playbooks/course.md": MINIMAL_PLAYBOOK,
        "content/site.yml": SITE,
        "content/groups/g1.md": MINIMAL_GROUP,
        # the built-in handbook.typ, and a sum that keeps Typst busy a second or so: a warm PDF
        # worker makes a handbook in a tenth of a second, too soon to be seen being made
        "themes/default/templates/handbook.typ": BUILTIN_HANDBOOK.read_text(encoding="utf-8")
        + "\n#let slow = range(1500000).fold(0, (a, b) => a + b)\n",
    }
    root = write_project(tmp_path_factory.mktemp("preview-pdf") / "proj", files)
    served = start_serve(root)
    try:
        wait_for(lambda: served.printed(r"PDFs: 1 written"), 120, "the first build")
        yield served
    finally:
        stop_serve(served)


def save_group(served: Served, note: str) -> None:
    group = served.root / "content/groups/g1.md"
    group.write_text(MINIMAL_GROUP.replace("本群备注。", note).lstrip("\n"), "utf-8")


# Every state of the badge and of the handbook.pdf link a tab showed, kept over reloads.
RECORD_BADGES = """
new MutationObserver(() => {
  const badge = document.getElementById("playpress-building");
  const link = document.querySelector("a[href='handbook.pdf']");
  const state = (badge ? badge.textContent : "") + "|" +
    (link && link.hasAttribute("data-playpress-building") ? "marked" : "");
  const seen = JSON.parse(sessionStorage.getItem("badges") || "[]");
  if (seen[seen.length - 1] !== state) {
    seen.push(state);
    sessionStorage.setItem("badges", JSON.stringify(seen));
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


def test_the_preview_says_which_outputs_are_being_rebuilt(
    browser: object, with_pdf: Served
) -> None:
    served = with_pdf
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(COUNT_LOADS)
    context.add_init_script(RECORD_BADGES)
    try:
        tab = context.new_page()
        tab.goto(served.url + "g1/index.html")  # the group's home lists its files
        after = len(served.lines)
        save_group(served, "改过的备注。")
        wait_for(lambda: served.printed(r"PDFs: 1 written", after), 30, "the PDF pass")

        def states() -> list[str]:
            try:
                return json.loads(tab.evaluate("sessionStorage.badges || '[]'"))
            except Exception:  # noqa: BLE001 - the page is reloading
                return []

        wait_for(lambda: states() and states()[-1] == "|", 5, "the badge gone once the PDF is made")
        shown = [state for state in states() if "handbook.pdf" in state]
        assert shown, states()
        assert all(state.startswith("正在重新生成：") for state in shown)  # the project's language
        assert all(state.endswith("|marked") for state in shown)  # its link marked meanwhile
        assert page_loads(tab) == 2  # one reload for the save, none for the posters or the PDF
    finally:
        context.close()


def test_handbook_pdf_never_answers_404_during_a_rebuild(with_pdf: Served) -> None:
    import urllib.error
    import urllib.request

    served = with_pdf
    url = served.url + "g1/handbook.pdf"
    after = len(served.lines)
    save_group(served, "再改一次备注。")
    statuses: list[int] = []
    deadline = time.perf_counter() + 30
    while not served.printed(r"PDFs: 1 written", after) and time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
        time.sleep(0.05)
    assert served.printed(r"PDFs: 1 written", after), "the PDF pass never ended"
    assert len(statuses) > 5 and set(statuses) == {200}, statuses
