"""Fixtures of the hostile suite: good builds made once per session, restored for each case.

A good build is made once, then restored for each case at the very path it was built in: the
build state may name the project's folder, so a copy elsewhere would not be the same project to
an incremental build (moving a project is a case of its own, in test_concurrency.py).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from .harness import Project
from .projects import base_files

HERE = Path(__file__).resolve().parent
AREAS = {  # module -> marker: `pytest tests/hostile -m themes` runs one area
    "test_bad_images": ("images", "images that do not decode (logo, QR image, background)"),
    "test_limits": (
        "limits",
        "spans, file sizes, YAML aliases and nesting, template size and time",
    ),
    "test_yaml_surprises": ("yaml", "YAML 1.1 values that would print as something else"),
    "test_bad_values": (
        "values",
        "keys of the wrong kind, control characters, front matter shapes",
    ),
    "test_file_system": (
        "files",
        "dist/ and content/ in a bad state: links, FIFOs, missing folders",
    ),
    "test_bad_themes": ("themes", "theme mistakes and theme sandbox escapes"),
    "test_command_line": ("cli", "bad command lines, serve's Host header and paths"),
    "test_output_safety": (
        "outputs",
        "CSV formulas, reprs, remote images, injection, error floods",
    ),
    "test_concurrency": ("concurrency", "moved projects, two builds at once, kill -9"),
    "test_properties": ("properties", "hypothesis: random front matter and when strings"),
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hostile: issue 11's hostile-input suite (tests/hostile)")
    for marker, description in AREAS.values():
        config.addinivalue_line("markers", f"{marker}: hostile suite, {description}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if path.parent == HERE:
            item.add_marker("hostile")
            if path.stem in AREAS:
                item.add_marker(AREAS[path.stem][0])


def write_all(project: Project, files: dict[str, str | bytes]) -> Project:
    for relpath, content in files.items():
        project.write(relpath, content)
    return project


def remove_tree(folder: Path) -> None:
    """rmtree that also clears what a case made unwritable (never follows links)."""

    def force(function, path, _info):  # type: ignore[no-untyped-def]
        parent = os.path.dirname(path)
        os.chmod(parent, stat.S_IRWXU)
        if not os.path.islink(path) and os.path.isdir(path):
            os.chmod(path, stat.S_IRWXU)
        function(path)

    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder, onerror=force)


class Case(Project):
    """A project whose good build is in dist/; `before` is that dist/, file by file."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.before = self.snapshot()


class Home:
    """A good build made once at a fixed path; `restore()` puts it back there for the next case."""

    def __init__(self, root: Path, pdf: bool):
        self.root = root
        project = write_all(Project(root), base_files())
        run = project.build_pdf() if pdf else project.build()
        assert run.returncode == 0 and "error" not in run.stderr, f"the good build failed\n{run}"
        self.good = root.with_name(root.name + ".good")
        shutil.copytree(root, self.good, symlinks=True)

    def restore(self) -> Case:
        remove_tree(self.root)
        shutil.copytree(self.good, self.root, symlinks=True)  # copy2: mtimes kept to the nanosecond
        return Case(self.root)


@pytest.fixture(scope="session")
def base_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return Home(tmp_path_factory.mktemp("base") / "proj", pdf=False)


@pytest.fixture(scope="session")
def pdf_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return Home(tmp_path_factory.mktemp("pdf") / "proj", pdf=True)


@pytest.fixture
def project(base_home: Home) -> Case:
    """The base project with its good dist/ (no PDFs): build it again with `project.build()`."""
    return base_home.restore()


@pytest.fixture
def pdf_project(pdf_home: Home) -> Case:
    """The base project with its good dist/, PDFs included: build with `project.build_pdf()`."""
    return pdf_home.restore()


@pytest.fixture
def source_project(base_home: Home, tmp_path: Path) -> Project:
    """The base project's sources, no dist/, in the case's own folder (`check`, cold builds)."""
    shutil.copytree(
        base_home.good,
        tmp_path / "project",
        symlinks=True,
        ignore=lambda folder, names: ["dist"] if Path(folder) == base_home.good else [],
    )
    return Project(tmp_path / "project")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project, holding what a hostile file tries to reach."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder
