"""A real `streamlit run` on a free port and Debian's headless Chromium driven by Playwright.

As in Streamlit's own e2e tests: the server is ready when /_stcore/health answers "ok"; after
every interaction we wait until the app reports its script is no longer running, then assert
with Playwright's retrying ``expect``. Every request that would leave this machine is aborted
and recorded, so the tests prove the dashboard works with no network.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parents[2]
CURATED = REPO / "data" / "incidents.csv"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
READY_DEADLINE_S = 60.0
SCRIPT_DEADLINE_MS = 30_000
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningApp:
    """A dashboard server on this machine and the data file it reads."""

    url: str
    data_file: Path
    process: subprocess.Popen[str]


def start_app(
    data_file: Path, log_file: Path, extra_env: dict[str, str] | None = None
) -> RunningApp:
    """Start `streamlit run dashboard/app.py` on a free port and wait until it is healthy."""
    port = _free_port()
    env = {**os.environ, "INTERDICTION_TRACKER_DATA": str(data_file), **(extra_env or {})}
    log = log_file.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_DEADLINE_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return RunningApp(url, data_file, process)
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_app(process)
            pytest.fail(f"streamlit did not become healthy:\n{log_file.read_text()}")
        time.sleep(0.2)


def stop_app(process: subprocess.Popen[str]) -> None:
    """Stop the server and wait for it, whatever state it is in."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
