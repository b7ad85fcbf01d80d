"""A real `streamlit run` on a free port and Debian's headless Chromium driven by Playwright.

As in Streamlit's own e2e tests: the server is ready when /_stcore/health answers "ok"; after
every interaction we wait until the app reports its script is no longer running, then assert
with Playwright's retrying ``expect``. Every request that would leave this machine is aborted
and recorded, so the tests prove the dashboard works with no network.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

# One way to start the app and Chromium, shared with the benchmark's browser timing.
from benchmarks.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    stop_app,
)
from benchmarks.browser import start_app as start_server  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CURATED = REPO / "data" / "incidents.csv"
SCRIPT_DEADLINE_MS = 30_000
# Hosts a page may reach; any other request is recorded (a test asserts there are none) and
# refused.
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = pytest.mark.browser


@dataclass
class RunningApp:
    """A dashboard server on this machine and the data file it reads."""

    url: str
    data_file: Path
    process: subprocess.Popen[bytes]


def start_app(
    data_file: Path, log_file: Path, extra_env: dict[str, str] | None = None
) -> RunningApp:
    """Start `streamlit run dashboard/app.py` on a free port and wait until it is healthy."""
    try:
        url, process = start_server(data_file, log_file, extra_env=extra_env)
    except RuntimeError as error:
        pytest.fail(str(error))
    return RunningApp(url, data_file, process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, launched by its path."""
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the curated data that this module's tests may add to."""
    path = tmp_path_factory.mktemp("data") / "incidents.csv"
    shutil.copyfile(CURATED, path)
    return path


@contextmanager
def app_on_generated_data(
    tmp_path_factory: pytest.TempPathFactory, rows: int, *, seed: int
) -> Iterator[RunningApp]:
    """The dashboard serving ``rows`` generated incidents (benchmarks.generate), then stopped."""
    from benchmarks.generate import write_incidents

    folder = tmp_path_factory.mktemp(f"generated-{rows}")
    running = start_app(write_incidents(folder / "incidents.csv", rows, seed=seed), folder / "log")
    try:
        yield running
    finally:
        stop_app(running.process)


@pytest.fixture(scope="module")
def app(data_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard serving this module's data copy."""
    running = start_app(data_copy, tmp_path_factory.mktemp("log") / "streamlit.log")
    try:
        yield running
    finally:
        stop_app(running.process)


@dataclass
class Observed:
    """What the page did that a test may want to assert never happened."""

    off_host_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def observed() -> Observed:
    return Observed()


@pytest.fixture
def page(browser: object, observed: Observed) -> Iterator[object]:
    """A fresh browser page that cannot reach beyond this machine and records any dialog."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    new_page = context.new_page()

    def keep_local(route: object, request: object) -> None:
        host = urlsplit(request.url).hostname
        if host in LOCAL_HOSTS or request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            observed.off_host_requests.append(request.url)
            route.abort()

    context.route("**/*", keep_local)

    def on_dialog(dialog: object) -> None:
        observed.dialogs.append(dialog.message)
        dialog.dismiss()

    new_page.on("dialog", on_dialog)
    new_page.on("pageerror", lambda error: observed.page_errors.append(str(error)))
    try:
        yield new_page
    finally:
        context.close()


def wait_for_script(page: object) -> None:
    """Wait until the app is connected and its script has finished running."""
    expect = playwright_api.expect
    app_root = page.locator('[data-testid="stApp"]')
    expect(app_root).to_have_attribute(
        "data-test-connection-state", "CONNECTED", timeout=SCRIPT_DEADLINE_MS
    )
    expect(app_root).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=SCRIPT_DEADLINE_MS
    )


def open_app(page: object, url: str) -> None:
    """Open ``url`` and wait for the script's first run to finish."""
    page.goto(url)
    wait_for_script(page)


def map_frame(page: object) -> object:
    """The streamlit-folium iframe holding the Leaflet map."""
    return page.frame_locator(MAP_FRAME)
