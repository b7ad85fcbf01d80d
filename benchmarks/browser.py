"""Time from page load to the first marker or cluster on the map, in headless Chromium.

The dashboard runs under a real ``streamlit run`` on a free port, Debian's Chromium is driven by
Playwright (as in tests/browser), and every host name but this machine's resolves to nothing, so
no request leaves it. The first page load also pays for parsing the file and building the map;
the loads after it meet a running server, as every visitor but the first does. The timed visits
go straight to the server: one more visit, untimed, goes through a small TCP relay that counts
the bytes it passes on, so the download of a fresh visit (HTTP and WebSocket, compressed as on
the wire) is what a visitor's network carries. (Timing through the relay, and refusing requests
with Playwright's routing, which stops each of a visit's hundred requests in this process, added
about 0.3 s to every visit.) The server's peak memory is read from its own process (VmHWM).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Names other than this machine's resolve to nothing: map tiles or fonts from elsewhere fail
# at once, as they would offline, without stopping every request in Playwright's routing.
LOCAL_ONLY_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# A cluster, a single marker, or the canvas of dots once it is painted (dashboard/canvas_layer.py).
DRAWN = ".marker-cluster, .incident-marker, canvas.incident-points-drawn"
READY_DEADLINE_S = 60.0
# Run in every frame of a measured page: the map's frame notes, at the first animation frame in
# which a marker is visible, when that was (epoch milliseconds) on the top page. Playwright's own
# wait polls ever more slowly, every 500 ms after the first quarter second, so the moment it
# returns can be half a second after the markers were drawn.
_NOTE_WHEN_DRAWN = """
(() => {
  if (window === window.top) return;
  const drawn = DRAWN_SELECTOR;
  const visible = (element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== "hidden";
  };
  const watch = () => {
    const page = window.document;
    if (page.__watchingMarkers) return;
    page.__watchingMarkers = true;
    const look = () => {
      if (window.top.__markersDrawnAt || window.document !== page) return;
      if (Array.from(page.querySelectorAll(drawn)).some(visible)) {
        window.top.__markersDrawnAt = performance.timeOrigin + performance.now();
      } else {
        requestAnimationFrame(look);
      }
    };
    requestAnimationFrame(look);
  };
  // The map's frame starts as about:blank and keeps that window when its page (same origin)
  // loads, without this script running again: so watch each document the window loads.
  window.addEventListener("DOMContentLoaded", watch);
  watch();
})();
""".replace("DRAWN_SELECTOR", json.dumps(DRAWN))


class BrowserUnavailableError(RuntimeError):
    """Chromium or Playwright is missing, so the browser figures cannot be taken."""


class MarkersNotDrawnError(RuntimeError):
    """No marker or cluster became visible within the time limit."""


@dataclass(frozen=True)
class BrowserTiming:
    """Seconds to the first visible marker or cluster, from navigation and from the load event.

    ``first`` is the server's first page (it parses the file and builds the map); the others
    are medians of later pages, each in a fresh browser context (nothing cached). Bytes are
    those a fresh visit received until its markers showed; memory is the server's peak.
    """

    first_load_s: float
    warm_load_s: float
    warm_after_load_event_s: float
    visit_bytes: int
    server_peak_rss_bytes: int | None


class _CountingRelay:
    """A TCP relay on a free local port to ``target_port``; counts bytes sent to the client."""

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self.received = 0  # bytes the server sent towards the browser
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> int:
        """The bytes counted so far, and start again from zero."""
        with self._lock:
            counted, self.received = self.received, 0
        return counted

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._target)
            for source, sink, count in ((client, server, False), (server, client, True)):
                threading.Thread(
                    target=self._pipe, args=(source, sink), kwargs={"count": count}, daemon=True
                ).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, *, count: bool = False) -> None:
        try:
            while chunk := source.recv(65536):
                if count:
                    with self._lock:
                        self.received += len(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


def process_peak_rss_bytes(pid: int) -> int | None:
    """The most resident memory process ``pid`` has used (VmHWM), or None where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(
    data_file: Path, log_file: Path, *, extra_env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """A `streamlit run` of the dashboard on ``data_file`` and a free port, once it is healthy.

    Returns its URL and process; raises RuntimeError, with the server's own output, when it
    does not become healthy in time. The browser tests start the app through this too.
    """
    port = _free_port()
    env = {**os.environ, "INTERDICTION_TRACKER_DATA": str(data_file), **(extra_env or {})}
    command = [
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
    ]
    with log_file.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_file)
    except BaseException:
        stop_app(process)
        raise
    return url, process


def stop_app(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and wait for it, whatever state it is in."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_app(data_file: Path, log_file: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The dashboard serving ``data_file`` with tiles off; yields its URL and process."""
    url, process = start_app(data_file, log_file, extra_env={"INTERDICTION_TRACKER_TILES": "off"})
    try:
        yield url, process
    finally:
        stop_app(process)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + READY_DEADLINE_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not become healthy:\n{log_file.read_text()}")
        time.sleep(0.2)


def time_to_markers(
    data_file: Path, log_file: Path, *, timeout_s: float = 120.0, warm_loads: int = 3
) -> BrowserTiming:
    """Seconds to the first marker or cluster: the server's first page load, then later ones."""
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise BrowserUnavailableError("Playwright is not installed") from error
    if not CHROMIUM.exists():
        raise BrowserUnavailableError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with running_app(data_file, log_file) as (url, process), sync_playwright() as playwright:
        relay = _CountingRelay(urlsplit(url).port)
        relayed = f"http://127.0.0.1:{relay.port}"
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *LOCAL_ONLY_ARGS]
        )
        try:
            first, _ = _one_load(browser, url, timeout_s)
            warm = [_one_load(browser, url, timeout_s) for _ in range(warm_loads)]
            relay.reset()
            _one_load(browser, relayed, timeout_s)
            visit_bytes = relay.reset()
        except PlaywrightTimeout as error:
            raise MarkersNotDrawnError(f"nothing drawn within {timeout_s:.0f} s") from error
        finally:
            browser.close()
            relay.close()
        server_peak = process_peak_rss_bytes(process.pid)
    return BrowserTiming(
        first_load_s=first,
        warm_load_s=statistics.median(seconds for seconds, _ in warm),
        warm_after_load_event_s=statistics.median(after for _, after in warm),
        visit_bytes=visit_bytes,
        server_peak_rss_bytes=server_peak,
    )


def _one_load(browser: object, url: str, timeout_s: float) -> tuple[float, float]:
    """Seconds until a marker or cluster is visible: from navigation, and from the load event."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(_NOTE_WHEN_DRAWN)
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        drawn = page.frame_locator(MAP_FRAME).locator(DRAWN).first
        drawn.wait_for(state="visible", timeout=timeout_s * 1000)
        # The page's own clock: milliseconds since navigation began, when the map's frame saw
        # the markers and at the load event.
        drawn_at, load_event = page.evaluate(
            """() => [
                (window.__markersDrawnAt || performance.timeOrigin + performance.now())
                    - performance.timeOrigin,
                performance.getEntriesByType('navigation')[0].loadEventEnd,
            ]"""
        )
        return drawn_at / 1000, (drawn_at - load_event) / 1000
    finally:
        context.close()
