"""Export formats by name: one registry that the CLI and the Table page both loop over.

Each format is an ``Exporter``: its name (``export --format NAME``), the file extension and
media type a download carries, and ``render``, which turns a (filtered) incident frame into the
file's bytes. A new format is one module beside this one and one entry in ``EXPORTERS``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.i18n import DEFAULT_LANGUAGE, N_, speaking

# Every download is named for the project, whatever the filter.
FILE_STEM = "interdictions"


@dataclass(frozen=True)
class Exporter:
    """One export format."""

    name: str
    extension: str
    media_type: str
    render: Callable[[pd.DataFrame], bytes]
    # The button's and the --format option's words, in English (marked for translation).
    label: str
    help: str
    # Worth writing only when someone asks (a slow library to import, or a slow format).
    is_deferred: bool = False
    # An optional package the format needs, and how to get it: the dashboard itself installs
    # with Python alone, and followthemoney needs PyICU, which PyPI ships only as C++ source.
    requires: str | None = None
    install_hint: str = ""

    @property
    def is_available(self) -> bool:
        """Whether the package this format needs is installed."""
        return self.requires is None or importlib.util.find_spec(self.requires) is not None

    @property
    def file_name(self) -> str:
        """The download's file name: ``interdictions.kml``."""
        return f"{FILE_STEM}.{self.extension}"


def _lazy(module: str, function: str) -> Callable[[pd.DataFrame], bytes]:
    """``module.function``, imported on the first call rather than when the registry is read."""
    # followthemoney takes two seconds to import; every CLI command and page run would pay it.

    def render(frame: pd.DataFrame) -> bytes:
        # Files are written in English whatever the page speaks (their popups, names and
        # counts share the pages' wording): a download is the same file for every reader.
        with speaking(DEFAULT_LANGUAGE):
            return getattr(importlib.import_module(module), function)(frame)

    render.__qualname__ = render.__name__ = f"{module}.{function}"
    return render


EXPORTERS: tuple[Exporter, ...] = (
    Exporter(
        name="csv",
        extension="csv",
        media_type="text/csv",
        render=_lazy("dashboard.exports.csv_file", "to_csv_bytes"),
        label=N_("CSV"),
        help=N_("Every matching incident; cells a spreadsheet would run as formulas are defused."),
    ),
    Exporter(
        name="geojson",
        extension="geojson",
        media_type="application/geo+json",
        render=_lazy("dashboard.exports.geojson", "to_geojson_bytes"),
        label=N_("GeoJSON"),
        help=N_("A point per incident with every column, for GIS tools (RFC 7946)."),
    ),
    Exporter(
        name="ftm",
        extension="ftm.json",
        media_type="application/x-ndjson",
        render=_lazy("dashboard.exports.ftm", "to_ftm_bytes"),
        requires="followthemoney",
        install_hint=N_(
            "needs the optional followthemoney package: python -m pip install -r "
            "requirements-ftm.txt (it builds PyICU, which needs a C++ compiler and ICU's headers)"
        ),
        label=N_("FollowTheMoney"),
        help=N_(
            "Vessels and incidents as FollowTheMoney entities (one JSON object a line), "
            "for Aleph and OpenSanctions' tools; ids stay the same from one export to the next."
        ),
        is_deferred=True,
    ),
    Exporter(
        name="kml",
        extension="kml",
        media_type="application/vnd.google-earth.kml+xml",
        render=_lazy("dashboard.exports.kml", "to_kml_bytes"),
        label=N_("KML"),
        help=N_(
            "For Google Earth: a placemark per incident with the map's popup, a folder per "
            "event type, approximate locations as rings."
        ),
        is_deferred=True,
    ),
    Exporter(
        name="atom",
        extension="atom",
        media_type="application/atom+xml",
        render=_lazy("dashboard.exports.feed", "to_atom_bytes"),
        label=N_("Atom feed"),
        help=N_(
            "The latest verified incidents among those matching, newest first, as an Atom feed; "
            "the About page lists the live feeds to subscribe to."
        ),
        is_deferred=True,
    ),
)
EXPORTERS_BY_NAME: dict[str, Exporter] = {exporter.name: exporter for exporter in EXPORTERS}
