import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, settings

from tests.memo import PagefindIndexes

# CI gets more examples than a quick local run; both are deterministic per seed database.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_pagefind: run Pagefind for every index, never a kept result (tests of Pagefind)")


@pytest.fixture(scope="session")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for work kept across the run (tests/memo.py), shared by pytest-xdist's workers."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "kept"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def pagefind_indexes(kept: Path) -> Iterator[PagefindIndexes]:
    """Every build in this process compiles each template source once per run and indexes each set of pages
    once per run (see tests/memo.py): the same bytes as doing it again, at a fraction of the cost."""
    import jinja2

    from gongkai.rendering import search
    from tests.memo import CompiledTemplates

    (kept / "templates").mkdir(exist_ok=True)
    (kept / "pagefind").mkdir(exist_ok=True)
    original = jinja2.Environment.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        if self.bytecode_cache is None:
            self.bytecode_cache = CompiledTemplates(kept / "templates", self)

    indexes = PagefindIndexes(kept / "pagefind", search._pagefind, lambda: search._executable(), search.pagefind_version)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "__init__", init)
        patch.setattr(search, "_pagefind", indexes)
        yield indexes


@pytest.fixture(autouse=True)
def _real_pagefind_when_marked(
    request: pytest.FixtureRequest, pagefind_indexes: PagefindIndexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("real_pagefind"):
        monkeypatch.setattr(pagefind_indexes, "enabled", False)


@pytest.fixture(scope="session")
def sample() -> Mapping[str, bytes]:
    """The sample site's outputs (path -> bytes) for its fixed date, without posters: built once per test run and
    shared, so read-only (a mapping that refuses changes; bytes cannot change)."""
    from tests.golden import sample_outputs

    return MappingProxyType(sample_outputs())


@pytest.fixture(scope="session")
def sample_with_posters() -> Mapping[str, bytes]:
    """The sample's outputs with its posters (WeasyPrint lays out every board: seconds), built once per test run
    and shared, so read-only like `sample`."""
    from tests.golden import sample_outputs_with_posters

    return MappingProxyType(sample_outputs_with_posters())


@pytest.fixture(scope="session")
def sample_folder(sample: Mapping[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same outputs as files, written by the build's own writer, for tests that read a folder. Shared: read only."""
    from gongkai.writing import write_tree

    output = tmp_path_factory.mktemp("sample") / "output"
    write_tree(output, sample.items())
    return output


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (no browser download), one per test module, not per session: the
    Playwright driver keeps a thread, and while a second thread runs gongkai.parallel renders in one process
    instead of forking (test_parallel.py), so a browser left open would change how every later build runs."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
