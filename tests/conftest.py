import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, settings

# CI gets more examples than a quick local run; both are deterministic per seed database.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def sample() -> Mapping[str, bytes]:
    """The sample site's outputs (path -> bytes) for its fixed date, without posters: built once per test run and
    shared, so read-only (a mapping that refuses changes; bytes cannot change)."""
    from tests.golden import sample_outputs

    return MappingProxyType(sample_outputs())


@pytest.fixture(scope="session")
def sample_folder(sample: Mapping[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same outputs as files, written by the build's own writer, for tests that read a folder. Shared: read only."""
    from gongkai.writing import write_tree

    output = tmp_path_factory.mktemp("sample") / "output"
    write_tree(output, sample.items())
    return output


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (no browser download), one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
