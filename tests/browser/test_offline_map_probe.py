"""A localised map draws the land layer and clusters in a real browser with no request off-host."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from folium.plugins import FastMarkerCluster

from dashboard.assets import ensure_static_assets, localise
from dashboard.land import load_land_geojson

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
READY_DEADLINE_S = 15.0
# The default callback needs Awesome-Markers icons; a circle marker needs nothing but Leaflet.
CIRCLE_CALLBACK = """
function (row) {
    return L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 6, color: "#c0392b"});
}
"""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_offline_page(root: Path) -> None:
    """Write map.html under `root`, with the vendor files where /app/static/vendor finds them."""
    ensure_static_assets(root / "app" / "static")
    # tiles=None: only our own files. Then `max_zoom` (a tile option) is dropped, and the
    # cluster plugin throws "Map has no maxZoom specified" unless Leaflet's maxZoom is given.
    fmap = folium.Map(location=[12.0, -66.0], zoom_start=5, tiles=None, maxZoom=12)
    folium.GeoJson(load_land_geojson(), name="land").add_to(fmap)
    folium.Marker([11.5, -64.0], popup="default icon").add_to(fmap)
    points = [[10.6 + i * 0.01, -66.9 + i * 0.01] for i in range(20)] + [[13.1, -59.6]]
    FastMarkerCluster(points, callback=CIRCLE_CALLBACK).add_to(fmap)
    localise(fmap).save(str(root / "map.html"))


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """Serve `tmp_path` over HTTP on a free localhost port and yield its base URL."""
    write_offline_page(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_DEADLINE_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/map.html", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"http.server did not start:\n{server.communicate()[0]}")
                time.sleep(0.1)
        yield url
    finally:
        server.kill()
        server.wait()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_localised_map_renders_offline(server_url: str) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    off_host: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def block_off_host(route, request) -> None:
        if urlsplit(request.url).hostname in LOCAL_HOSTS or request.url.startswith("data:"):
            route.continue_()
        else:
            off_host.append(request.url)
            route.abort()

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", block_off_host)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on(
                "response",
                lambda response: response.status >= 400 and failed.append(response.url),
            )
            page.goto(f"{server_url}/map.html")

            expect = playwright_api.expect
            expect(page.locator(".leaflet-container")).to_be_visible()
            expect(page.locator("path.leaflet-interactive").first).to_be_attached()
            expect(page.locator(".marker-cluster").first).to_be_visible()
            assert page.locator("path.leaflet-interactive").count() > 20
            icon = page.locator("img.leaflet-marker-icon").first
            expect(icon).to_be_visible()
            assert icon.evaluate("image => image.naturalWidth") > 0
        finally:
            browser.close()

    assert off_host == []
    assert failed == []
    assert errors == []
