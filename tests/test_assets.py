"""The offline map assets: every script and stylesheet a map links to is ours and on disk."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import folium
import pytest
from folium.plugins import FastMarkerCluster, Fullscreen, MarkerCluster

from dashboard.assets import (
    LOCAL_ASSET_URLS,
    STAMP_NAME,
    URL_PREFIX,
    VENDOR_FILES,
    MissingAssetError,
    asset_urls,
    ensure_static_assets,
    localise,
)

CDN_PATTERN = re.compile(r"https?://[^\"'\s]*(cdn|cdnjs|code\.jquery|unpkg|jsdelivr)", re.I)
LINK_PATTERN = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", re.I)


def build_map() -> folium.Map:
    """Return a map with every plugin the dashboard uses, not yet localised."""
    # tiles=None leaves the map with no maxZoom, which the cluster plugin refuses.
    fmap = folium.Map(location=[12.0, -66.0], zoom_start=5, tiles=None, max_zoom=12)
    cluster = MarkerCluster().add_to(fmap)
    folium.Marker([10.6, -66.9], popup="La Guaira").add_to(cluster)
    FastMarkerCluster([[10.5, -64.2], [11.0, -63.9]]).add_to(fmap)
    return fmap


@pytest.fixture(scope="module")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_static_assets(tmp_path_factory.mktemp("static"))


def test_localised_map_links_only_vendor_files_that_exist(vendor_dir: Path) -> None:
    urls = asset_urls(localise(build_map()))
    assert urls, "the map should link at least Leaflet"
    for url in urls:
        assert url.startswith(f"{URL_PREFIX}/"), url
        assert (vendor_dir / url.removeprefix(f"{URL_PREFIX}/")).is_file(), url


def test_rendered_localised_map_has_no_cdn_script_or_style() -> None:
    html = localise(build_map()).get_root().render()
    links = LINK_PATTERN.findall(html)
    assert f"{URL_PREFIX}/leaflet/leaflet.js" in links
    assert f"{URL_PREFIX}/jquery/jquery-3.7.1.min.js" in links
    assert all(link.startswith(f"{URL_PREFIX}/") for link in links), links
    assert not CDN_PATTERN.search(html)


def test_unlocalised_map_does_use_the_cdn() -> None:
    # Guards the test above: it must be localise that removes the CDN links.
    assert CDN_PATTERN.search(build_map().get_root().render())


@pytest.mark.parametrize(
    "element_class",
    [
        folium.Map,  # Leaflet, jQuery, Bootstrap, Awesome-Markers, Font Awesome
        MarkerCluster,
        FastMarkerCluster,
    ],
)
def test_every_cdn_url_of_a_used_class_has_a_local_copy(element_class: type) -> None:
    for _name, url in [*element_class.default_js, *element_class.default_css]:
        assert url in LOCAL_ASSET_URLS, url


def test_localise_raises_for_a_cdn_file_we_do_not_ship() -> None:
    fmap = build_map()
    Fullscreen().add_to(fmap)
    with pytest.raises(MissingAssetError, match=r"Control\.FullScreen"):
        localise(fmap)


def test_localise_leaves_folium_classes_untouched() -> None:
    localise(build_map())
    assert folium.Map.default_js[0][1].startswith("https://")
    assert MarkerCluster.default_css[0][1].startswith("https://")


def test_localised_map_sets_the_icon_path_before_any_marker() -> None:
    # streamlit-folium loads leaflet.css too late for Leaflet to guess the path itself.
    html = localise(build_map()).get_root().render()
    setting = f'L.Icon.Default.imagePath = "{URL_PREFIX}/leaflet/images/";'
    assert html.count(setting) == 1
    assert html.index(setting) < html.index("L.marker(")


def test_localise_twice_changes_nothing() -> None:
    once = localise(build_map())
    twice = localise(localise(build_map()))
    assert asset_urls(twice) == asset_urls(once)
    assert len(twice._children) == len(once._children)


@pytest.mark.parametrize(
    ("path", "starts_with"),
    [
        ("leaflet/leaflet.js", b"/* @preserve\n * Leaflet 1.9.3"),
        ("leaflet/images/marker-icon.png", b"\x89PNG"),  # named by leaflet.css, found by Leaflet
        ("leaflet/images/marker-shadow.png", b"\x89PNG"),
        ("jquery/jquery-3.7.1.min.js", b"/*! jQuery v3.7.1"),
    ],
)
def test_vendor_file_is_the_real_thing(vendor_dir: Path, path: str, starts_with: bytes) -> None:
    assert (vendor_dir / path).read_bytes().lstrip().startswith(starts_with)


def test_ensure_static_assets_skips_the_copy_when_the_stamp_matches(tmp_path: Path) -> None:
    vendor = ensure_static_assets(tmp_path)
    before = {path: (vendor / path).stat().st_mtime_ns for path in (*VENDOR_FILES, STAMP_NAME)}
    ensure_static_assets(tmp_path)
    after = {path: (vendor / path).stat().st_mtime_ns for path in (*VENDOR_FILES, STAMP_NAME)}
    assert after == before


def test_ensure_static_assets_restores_a_deleted_file(tmp_path: Path) -> None:
    vendor = ensure_static_assets(tmp_path)
    (vendor / "leaflet/leaflet.js").unlink()
    ensure_static_assets(tmp_path)
    assert (vendor / "leaflet/leaflet.js").is_file()


def test_ensure_static_assets_recopies_when_the_stamp_differs(tmp_path: Path) -> None:
    vendor = ensure_static_assets(tmp_path)
    (vendor / "jquery/jquery-3.7.1.min.js").write_text("truncated")
    (vendor / STAMP_NAME).write_text("{}")
    ensure_static_assets(tmp_path)
    assert (vendor / "jquery/jquery-3.7.1.min.js").stat().st_size > 80_000


def test_concurrent_copies_leave_whole_files_and_no_temporaries(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        vendors = set(pool.map(lambda _: ensure_static_assets(tmp_path), range(4)))
    (vendor,) = vendors
    assert (
        (vendor / "leaflet/leaflet.js")
        .read_bytes()
        .rstrip()
        .endswith(b"//# sourceMappingURL=leaflet.js.map")
    )
    assert not [path for path in vendor.rglob(".*") if path.name != STAMP_NAME]
