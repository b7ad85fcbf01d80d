"""The offline map assets: vendor files copied from installed packages and served by Streamlit.

Folium points every map at CDNs (jsDelivr, cdnjs, code.jquery.com). On a ship or in an
air-gapped room those never answer and the map stays blank, so `ensure_static_assets` copies
the files from Python packages into ``dashboard/static/vendor/`` (Streamlit serves
``dashboard/static`` at ``/app/static`` when ``server.enableStaticServing`` is on) and
`localise` rewrites a built map's script and style links to those copies.

Sources: Leaflet 1.9.3 (with its marker and layer images) from ``xstatic-leaflet``, jQuery 3.7.1
from ``xstatic-jquery``, everything else from ``folium-offline``, which embeds the exact files
Folium 0.20 links to, keyed by their CDN URL.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from branca.element import Element, MacroElement
from folium import Map
from folium.template import Template

from dashboard.errors import InterdictionTrackerError
from dashboard.land import LAND_GEOJSON

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR_NAME = "vendor"
URL_PREFIX = "/app/static/vendor"
LEAFLET_IMAGES_URL = f"{URL_PREFIX}/leaflet/images/"
STAMP_NAME = ".assets-stamp.json"
# Bump when the asset table changes in a way the package versions below do not show.
ASSETS_REVISION = 1
SOURCE_PACKAGES = ("folium-offline", "xstatic-leaflet", "xstatic-jquery")

_FOLIUM_OFFLINE = "offlinefolium"
_XSTATIC_LEAFLET = "xstatic.pkg.leaflet"
_XSTATIC_JQUERY = "xstatic.pkg.jquery"

_LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist"
_CLUSTER_CDN = "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0"
_AWESOME_CDN = "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2"
_BOOTSTRAP_CDN = "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist"


class MissingAssetError(InterdictionTrackerError, LookupError):
    """A map element links to a CDN file we ship no copy of; add it to `_ASSETS` or drop it."""


@dataclass(frozen=True)
class _Asset:
    """One vendor file: where it goes, which CDN URLs it replaces, and where it comes from."""

    path: str
    package: str
    # A file name under the xstatic package's BASE_DIR, or the CDN URL key in folium-offline.
    source: str
    cdn_urls: tuple[str, ...] = ()


def _bundled(folder: str, url: str) -> _Asset:
    """Return the asset, kept in `folder` under its CDN name, that folium-offline keys by `url`."""
    return _Asset(f"{folder}/{url.rsplit('/', 1)[1]}", _FOLIUM_OFFLINE, url, (url,))


_LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)

_ASSETS: tuple[_Asset, ...] = (
    # leaflet.css names images/marker-icon.png, from which Leaflet derives the icon path.
    _Asset("leaflet/leaflet.js", _XSTATIC_LEAFLET, "leaflet.js", (f"{_LEAFLET_CDN}/leaflet.js",)),
    _Asset(
        "leaflet/leaflet.css", _XSTATIC_LEAFLET, "leaflet.css", (f"{_LEAFLET_CDN}/leaflet.css",)
    ),
    *(
        _Asset(f"leaflet/images/{name}", _XSTATIC_LEAFLET, f"images/{name}")
        for name in _LEAFLET_IMAGES
    ),
    _Asset(
        "jquery/jquery-3.7.1.min.js",
        _XSTATIC_JQUERY,
        "jquery.min.js",
        (
            "https://code.jquery.com/jquery-3.7.1.min.js",
            "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js",
        ),
    ),
    _bundled("bootstrap/js", f"{_BOOTSTRAP_CDN}/js/bootstrap.bundle.min.js"),
    _bundled("bootstrap/css", f"{_BOOTSTRAP_CDN}/css/bootstrap.min.css"),
    # Its woff and ttf fonts are inlined; the ../fonts/ files old browsers want are not shipped.
    _bundled(
        "bootstrap3/css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    ),
    # The solid icons' woff2 font is inlined; the other ../webfonts/ files are not shipped.
    _bundled(
        "fontawesome/css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
    ),
    _bundled("awesome-markers", f"{_AWESOME_CDN}/leaflet.awesome-markers.js"),
    _bundled("awesome-markers", f"{_AWESOME_CDN}/leaflet.awesome-markers.css"),
    _bundled(
        "awesome-markers",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
        "leaflet.awesome.rotate.min.css",
    ),
    _bundled("markercluster", f"{_CLUSTER_CDN}/leaflet.markercluster.js"),
    _bundled("markercluster", f"{_CLUSTER_CDN}/MarkerCluster.css"),
    _bundled("markercluster", f"{_CLUSTER_CDN}/MarkerCluster.Default.css"),
)

VENDOR_FILES: tuple[str, ...] = tuple(asset.path for asset in _ASSETS)
LOCAL_ASSET_URLS: dict[str, str] = {
    url: f"{URL_PREFIX}/{asset.path}" for asset in _ASSETS for url in asset.cdn_urls
}

ElementT = TypeVar("ElementT", bound=Element)


@functools.cache
def _land_file_name() -> str:
    """The land outline's file name, with a hash of its content (a new outline, a new name)."""
    digest = hashlib.sha256(LAND_GEOJSON.read_bytes()).hexdigest()[:12]
    return f"land-{digest}.json"


def land_url() -> str:
    """Where the app serves the offline land outline (written by ensure_static_assets)."""
    # A static file the browser keeps, instead of 0.46 MB inside every map the server sends
    # (three quarters of the map's data at 10,000 incidents); issue 12.
    return f"{URL_PREFIX}/{_land_file_name()}"


def ensure_static_assets(static_dir: Path = STATIC_DIR) -> Path:
    """Copy the map's vendor files under `static_dir` unless the stamp shows they are there."""
    vendor_dir = static_dir / VENDOR_DIR_NAME
    land_file = vendor_dir / _land_file_name()
    if not land_file.exists():
        write_atomically(land_file, LAND_GEOJSON.read_bytes())
    stamp = _expected_stamp()
    if _is_up_to_date(vendor_dir, stamp):
        return vendor_dir
    for asset in _ASSETS:
        write_atomically(vendor_dir / asset.path, _read_source(asset))
    # Written last, so a stamp on disk means every file before it is complete.
    write_atomically(vendor_dir / STAMP_NAME, stamp.encode("utf-8"))
    return vendor_dir


def local_url(url: str) -> str:
    """Return the /app/static/vendor URL that replaces the CDN `url`; raise if none ships."""
    if url.startswith(f"{URL_PREFIX}/"):
        return url
    try:
        return LOCAL_ASSET_URLS[url]
    except KeyError:
        raise MissingAssetError(
            f"No offline copy of {url}: add it to dashboard/assets.py or do not use the "
            "Folium element that needs it."
        ) from None


class _DefaultIconPath(MacroElement):
    """Script that tells Leaflet where its default marker images are."""

    _name = "DefaultIconPath"
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.Icon.Default.imagePath = {{ this.path|tojson }};"
        "{% endmacro %}"
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


def localise(element: ElementT) -> ElementT:
    """Return `element` with its own and its descendants' JS/CSS links pointing at local copies."""
    for item in _walk(element):
        if isinstance(item, Map):
            _set_default_icon_path(item)
        # Instance attributes shadow the class lists, so Folium's classes stay untouched.
        if hasattr(item, "default_js"):
            item.default_js = [(name, local_url(url)) for name, url in item.default_js]
        if hasattr(item, "default_css"):
            item.default_css = [(name, local_url(url)) for name, url in item.default_css]
    return element


def _set_default_icon_path(fmap: Map) -> None:
    """Make the map's script set Leaflet's icon path before any marker is created."""
    # Leaflet guesses the path from leaflet.css; streamlit-folium loads that stylesheet while
    # the map script already runs, and the guess then lacks a slash ("leafletmarker-icon.png").
    name = "leaflet_default_icon_path"
    fmap.add_child(_DefaultIconPath(LEAFLET_IMAGES_URL), name=name)
    fmap._children.move_to_end(name, last=False)


def asset_urls(element: Element) -> list[str]:
    """Return every script and stylesheet URL that `element` and its descendants link to."""
    return [
        url
        for item in _walk(element)
        for attribute in ("default_js", "default_css")
        for _name, url in getattr(item, attribute, [])
    ]


def _walk(element: Element) -> list[Element]:
    """Return `element` and all its descendants, parents first."""
    found = [element]
    for child in element._children.values():
        found.extend(_walk(child))
    return found


def _expected_stamp() -> str:
    """Return the stamp text for the current asset table and source package versions."""
    table = hashlib.sha256(repr(_ASSETS).encode("utf-8")).hexdigest()
    versions = {name: metadata.version(name) for name in SOURCE_PACKAGES}
    return json.dumps(
        {"revision": ASSETS_REVISION, "table": table, "packages": versions}, sort_keys=True
    )


def _is_up_to_date(vendor_dir: Path, stamp: str) -> bool:
    """Return whether the stamp matches and every vendor file is present."""
    try:
        current = (vendor_dir / STAMP_NAME).read_text(encoding="utf-8")
    except OSError:
        return False
    return current == stamp and all((vendor_dir / path).is_file() for path in VENDOR_FILES)


def _read_source(asset: _Asset) -> bytes:
    """Return the bytes of `asset` from the package that ships it."""
    if asset.package == _FOLIUM_OFFLINE:
        # Imported only here: it is slow (about a second) and holds every file as a string.
        from offlinefolium.elements import _res as bundled

        return bundled[asset.source].encode("utf-8")
    module = importlib.import_module(asset.package)
    return (Path(module.BASE_DIR) / asset.source).read_bytes()


def write_atomically(target: Path, content: bytes) -> None:
    """Write `content` to `target` through a temporary file so no reader sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        temporary.chmod(0o644)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    print(f"map assets ready in {ensure_static_assets()}")
