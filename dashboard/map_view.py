"""Builds the Folium map of incidents from a filtered frame (plain Python, no Streamlit).

Small selections get one marker per incident with a full popup; large ones get a compact
cluster layer whose markers carry only position and event type, and the details of a clicked
incident are shown beside the map instead of riding in every marker.
"""

from __future__ import annotations

import functools
import html
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import folium
import numpy as np
import pandas as pd
from branca.element import CssLink, Element, JavascriptLink
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template
from folium.vector_layers import path_options

from dashboard.assets import localise
from dashboard.colours import EVENT_COLOURS
from dashboard.land import load_land_geojson
from dashboard.presentation import flag_with_mark, vessel_label
from dashboard.schema import DatePrecision, EventType, LocationPrecision, Outcome
from dashboard.vessel_views import vessel_keys

# The Caribbean the map opens on: (south, west), (north, east).
CARIBBEAN_BOUNDS = ((7.0, -90.0), (28.0, -58.0))
MAX_ZOOM = 12
# Above this many incidents, markers lose their popups and carry only what the cluster needs.
DETAIL_LIMIT = 1_000
# Compact markers carry positions in thousandths of a degree (about 100 m).
COMPACT_SCALE = 1_000
POPUP_MAX_WIDTH = 340
# Uncertainty rings: how far from the point the incident may really be, in metres.
UNCERTAINTY_RADIUS_M = {LocationPrecision.APPROXIMATE: 30_000, LocationPrecision.REGION: 150_000}
SEA_COLOUR = "#d8e8f3"
LAND_PANE = "land"
# Set to "off" where a map must not even try to reach a tile server (air-gapped rooms).
TILES_ENV = "INTERDICTION_TRACKER_TILES"
LAND_STYLE = {"fillColor": "#efe9dc", "color": "#8a8578", "weight": 0.8, "fillOpacity": 1.0}
TRACK_STYLE = {"color": "#555555", "weight": 2, "dash_array": "6 6", "opacity": 0.8}
TILE_ATTRIBUTION = "© OpenStreetMap contributors"
_EVENT_ORDER = [event.value for event in EventType]


def escape_for_map(text: object) -> str:
    """``text`` safe inside Folium's HTML and the JavaScript template strings that carry it."""
    # Folium puts popup and tooltip HTML inside JS backtick strings, where `${...}` would run.
    return html.escape(str(text), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def _safe_link(url: str, label: str) -> str:
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        return escape_for_map(label)
    return (
        f'<a href="{escape_for_map(url)}" target="_blank" rel="noopener noreferrer">'
        f"{escape_for_map(label)}</a>"
    )


def _format_dates(incident: Mapping[str, Any]) -> str:
    start = incident["date"].date().isoformat()
    end = incident["end_date"]
    span = start if pd.isna(end) else f"{start} to {end.date().isoformat()}"
    precision = incident["date_precision"]
    if precision == DatePrecision.DAY:
        return span
    return f"{span} ({DatePrecision(precision).label})"


def popup_html(incident: Mapping[str, Any]) -> str:
    """The popup of one incident: every value escaped, links only for http(s) sources."""
    vessel = escape_for_map(vessel_label(incident["vessel_name"]))
    if not pd.isna(incident["imo"]) and incident["imo"]:
        vessel += f" · IMO {escape_for_map(incident['imo'])}"
    former = incident["former_names"]
    sources = "".join(
        f"<li>{_safe_link(source['url'], source.get('outlet') or source['url'])}</li>"
        for source in incident["sources"]
    )
    flag = flag_with_mark(_none_if_na(incident["flag"]), incident["false_flag"])
    rows = [
        ("Flag", escape_for_map(flag)),
        ("Date", escape_for_map(_format_dates(incident))),
        ("Event", escape_for_map(EventType(incident["event_type"]).label)),
        ("Outcome", escape_for_map(Outcome(incident["outcome"]).label)),
        ("Agency", escape_for_map(incident["agency"])),
        (
            "Where",
            escape_for_map(
                f"{incident['place']} "
                f"({LocationPrecision(incident['location_precision']).label} location)"
            ),
        ),
    ]
    if former:
        rows.insert(0, ("Formerly", escape_for_map(", ".join(former))))
    table = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return (
        f'<div class="incident-popup" data-incident-id="{escape_for_map(incident["id"])}">'
        f"<h4>{vessel}</h4><table>{table}</table>"
        f"<p>{escape_for_map(incident['summary'])}</p>"
        f"<p><strong>Sources</strong></p><ul>{sources}</ul></div>"
    )


def _none_if_na(value: object) -> Any:
    return None if pd.isna(value) else value


def tooltip_text(incident: Mapping[str, Any]) -> str:
    """The hover text of one incident, escaped (Folium's Tooltip never escapes)."""
    event = EventType(incident["event_type"]).label
    name = vessel_label(incident["vessel_name"])
    return escape_for_map(f"{name} · {event} · {incident['date'].date()}")


def map_bounds(frame: pd.DataFrame) -> list[list[float]]:
    """The Caribbean, widened to take in every incident that lies beyond it."""
    (south, west), (north, east) = CARIBBEAN_BOUNDS
    if not frame.empty:
        south = min(south, float(frame["latitude"].min()))
        north = max(north, float(frame["latitude"].max()))
        west = min(west, float(frame["longitude"].min()))
        east = max(east, float(frame["longitude"].max()))
    return [[south, west], [north, east]]


def online_tiles_enabled() -> bool:
    """Whether maps offer online street tiles: on unless $INTERDICTION_TRACKER_TILES says off."""
    return os.environ.get(TILES_ENV, "on").strip().lower() not in {"off", "0", "false", "no"}


def build_base_map(*, online_tiles: bool, prefer_canvas: bool = True) -> folium.Map:
    """A map of the region with the offline land outline under optional street tiles.

    ``prefer_canvas`` draws vector shapes on one canvas (fast with many); without it each
    shape is its own SVG element.
    """
    base = folium.Map(
        location=[17.5, -74.0],
        zoom_start=5,
        tiles=None,
        # A Leaflet option here: without tiles Folium drops `max_zoom`, and the cluster
        # plugin then throws "Map has no maxZoom specified".
        maxZoom=MAX_ZOOM,
        control_scale=True,
        prefer_canvas=prefer_canvas,
    )
    # Leaflet alone: jQuery, Bootstrap, Font Awesome and awesome-markers serve Folium's own
    # popups and icons, which this map does not use, and the browser would fetch them (about
    # 0.5 MB) one after another before drawing anything.
    base.default_js = [(name, url) for name, url in base.default_js if name == "leaflet"]
    base.default_css = [(name, url) for name, url in base.default_css if name == "leaflet_css"]
    # The sea colour shows through wherever tiles do not load.
    base.get_root().header.add_child(
        folium.Element(f"<style>.leaflet-container {{ background: {SEA_COLOUR}; }}</style>")
    )
    if online_tiles:
        folium.TileLayer(
            "OpenStreetMap", name="Street map (online)", attr=TILE_ATTRIBUTION, max_zoom=MAX_ZOOM
        ).add_to(base)
    # Below the tile pane (z-index 200): tiles hide the outline when they load, and where they
    # cannot load (no network) the outline still shows where the land is.
    folium.map.CustomPane(LAND_PANE, z_index=150, pointer_events=False).add_to(base)
    _LandLayer().add_to(base)
    return base


def _legend_html() -> str:
    items = "".join(
        f'<div><span class="legend-dot" style="background:{EVENT_COLOURS[event]}"></span>'
        f"{escape_for_map(EventType(event).label)}</div>"
        for event in _EVENT_ORDER
    )
    return (
        '<div class="incident-legend" style="position:absolute;bottom:28px;right:10px;'
        "z-index:1000;background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;"
        'font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        f"<b>Event</b>{items}"
        '<div><span class="legend-ring"></span>approximate location</div>'
        '<div><span class="legend-line"></span>same vessel, in date order</div></div>'
        "<style>.legend-dot{display:inline-block;width:11px;height:11px;border-radius:50%;"
        "margin-right:6px;border:1px solid #333}"
        ".legend-ring{display:inline-block;width:11px;height:11px;border-radius:50%;"
        "margin-right:6px;border:1.5px dashed #333}"
        ".legend-line{display:inline-block;width:16px;margin-right:6px;vertical-align:middle;"
        "border-top:2px dashed #555}"
        ".incident-dot{width:14px;height:14px;border-radius:50%;border:2px solid #fff;"
        "box-shadow:0 0 2px #000}</style>"
    )


def _script_json(value: object) -> str:
    """``value`` as JSON that can sit inside an HTML <script> element without ending it."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


class _ScriptedLayer(Layer):
    """A layer drawn by its own script from data, with no Folium element per incident."""

    # One Folium element per marker, popup, tooltip and ring made a map of 1,000 incidents
    # take seconds to render; these layers carry their rows as data and build the Leaflet
    # objects in the browser, so rendering costs the same as serialising the rows.

    def render(self, **kwargs: Any) -> None:
        """Add the layer's links and its script, as plain text, to the page."""
        # Branca would compile the rendered script as a Jinja template once more (lexing
        # 1.5 MB of numbers costs 0.1 s), and read any "{{" in the data as template code.
        figure = self.get_root()
        for name, url in getattr(self, "default_js", ()):
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in getattr(self, "default_css", ()):
            figure.header.add_child(CssLink(url), name=name)
        script = self._template.module.script(self, kwargs)
        figure.script.add_child(_Text(script), name=self.get_name())


class _Text(Element):
    """Text written into the page as it is, never read as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        del kwargs
        return self.text


class DetailedIncidentLayer(_ScriptedLayer, MarkerCluster):
    """One marker per incident with its popup and tooltip, clustered where dense."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var colours = {{ this.colours }}, events = {{ this.events }};
            var rows = {{ this.rows }};
            var markers = rows.map(function (row) {
                var icon = L.divIcon({
                    html: '<div class="incident-dot" style="background:' + colours[row[2]]
                        + '"></div>',
                    iconSize: [14, 14], iconAnchor: [7, 7],
                    className: "incident-marker incident-" + events[row[2]]
                });
                return L.marker([row[0], row[1]], {icon: icon})
                    .bindPopup(row[3], {maxWidth: {{ this.popup_width }}})
                    .bindTooltip(row[4], {sticky: true});
            });
            var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
            cluster.addLayers(markers);
            cluster.addTo({{ this._parent.get_name() }});
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, frame: pd.DataFrame, *, name: str = "Incidents") -> None:
        # No animation: markers stay where they are drawn, for people and for tests alike.
        super().__init__(
            name=name,
            options={"maxClusterRadius": 30, "disableClusteringAtZoom": 7, "animate": False},
        )
        self._name = "DetailedIncidentLayer"
        codes = _event_codes(frame)
        self.rows = _script_json(
            [
                [
                    incident["latitude"],
                    incident["longitude"],
                    int(code),
                    popup_html(incident),
                    tooltip_text(incident),
                ]
                for incident, code in zip(frame.to_dict("records"), codes, strict=True)
            ]
        )
        self.colours = _script_json([EVENT_COLOURS[event] for event in _EVENT_ORDER])
        self.events = _script_json(_EVENT_ORDER)
        self.popup_width = POPUP_MAX_WIDTH


class _ShapesLayer(_ScriptedLayer):
    """Circles or lines drawn from rows of data in one feature group, never clickable."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var style = {{ this.style }}, rows = {{ this.rows }};
            var group = L.featureGroup();
            rows.forEach(function (row) {
                {%- if this.kind == "circle" %}
                var options = Object.assign({}, style,
                    {radius: row[2], color: row[3], fillColor: row[3]});
                L.circle([row[0], row[1]], options).addTo(group);
                {%- else %}
                L.polyline(row, style).addTo(group);
                {%- endif %}
            });
            group.addTo({{ this._parent.get_name() }});
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, kind: str, rows: list, style: dict[str, Any], *, name: str) -> None:
        super().__init__(name=name, overlay=True)
        self._name = "ShapesLayer"
        self.kind = kind
        self.rows = _script_json(rows)
        self.style = _script_json({**style, "interactive": False})


class _LandLayer(_ScriptedLayer):
    """The offline land outline, drawn in its own pane beneath the tiles."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data }}, {
            pane: {{ this.pane|tojson }}, interactive: false,
            style: function () { return {{ this.style }}; }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__(name="Land outline (offline)", overlay=True, control=False)
        self._name = "LandLayer"
        self.data = _land_json()
        self.pane = LAND_PANE
        self.style = _script_json(LAND_STYLE)


@functools.cache
def _land_json() -> str:
    """The land outline as script JSON, serialised once per process (it is 0.5 MB)."""
    return _script_json(load_land_geojson())


def _event_codes(frame: pd.DataFrame) -> np.ndarray:
    """Each incident's event type as its index in the schema's order of event types."""
    return pd.Categorical(frame["event_type"], categories=_EVENT_ORDER).codes


def _uncertainty_rings(frame: pd.DataFrame) -> _ShapesLayer:
    radii = (
        frame["location_precision"]
        .astype(str)
        .map({str(precision): radius for precision, radius in UNCERTAINTY_RADIUS_M.items()})
    )
    kept = radii.notna().to_numpy()
    colours = [EVENT_COLOURS[event] for event in _EVENT_ORDER]
    rows = [
        [latitude, longitude, int(radius), colours[code]]
        for latitude, longitude, radius, code in zip(
            frame["latitude"].to_numpy()[kept],
            frame["longitude"].to_numpy()[kept],
            radii.to_numpy()[kept],
            _event_codes(frame)[kept],
            strict=True,
        )
    ]
    style = path_options(line=False, weight=1.5, dash_array="5 5", fill=True, fill_opacity=0.06)
    return _ShapesLayer("circle", rows, style, name="Location uncertainty")


def vessel_tracks(frame: pd.DataFrame) -> list[list[tuple[float, float]]]:
    """For each vessel with several incidents, their positions in date order."""
    keyed = frame.assign(_vessel=vessel_keys(frame))
    tracks = []
    ordered = keyed.sort_values(["date", "id"])
    for _key, incidents in ordered.groupby("_vessel", sort=False, dropna=True):
        if len(incidents) > 1:
            tracks.append(list(zip(incidents["latitude"], incidents["longitude"], strict=True)))
    return tracks


def _tracks_layer(frame: pd.DataFrame) -> _ShapesLayer:
    style = path_options(line=True, **TRACK_STYLE)
    return _ShapesLayer("line", vessel_tracks(frame), style, name="Vessel tracks")


def compact_arrays(frame: pd.DataFrame) -> tuple[str, str, str]:
    """Latitudes and longitudes in 1/COMPACT_SCALE degrees, and event indices, as JS array text."""
    # Whole numbers are the shortest text a browser parses (about 15 bytes per incident), and
    # numpy formats them without a Python loop over the rows.
    latitudes, longitudes = (
        np.rint(frame[column].to_numpy(dtype="float64") * COMPACT_SCALE).astype("int64")
        for column in ("latitude", "longitude")
    )
    arrays = (latitudes, longitudes, _event_codes(frame))
    return tuple(",".join(map(str, values.tolist())) for values in arrays)


class CompactIncidentLayer(_ScriptedLayer, MarkerCluster):
    """Clustered circle markers that the browser builds from three arrays of whole numbers."""

    # No popups or tooltips ride along: a click reports the marker's position to the page,
    # which looks the incident up and shows it beside the map (views/map.py).
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var colours = {{ this.colours }}, scale = {{ this.scale }};
            var lat = [{{ this.latitudes }}];
            var lng = [{{ this.longitudes }}];
            var kind = [{{ this.kinds }}];
            var markers = new Array(lat.length);
            for (var i = 0; i < lat.length; i++) {
                markers[i] = L.circleMarker([lat[i] / scale, lng[i] / scale], {
                    radius: 6, weight: 1, color: "#ffffff",
                    fillColor: colours[kind[i]], fillOpacity: 0.9
                });
            }
            var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
            // On the map first: markercluster 1.1 checks each marker added to a group that is
            // not on a map against all those added before it (100,000 markers: 10 s).
            cluster.addTo({{ this._parent.get_name() }});
            cluster.addLayers(markers);
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, frame: pd.DataFrame, *, name: str = "Incidents") -> None:
        # chunkedLoading: the browser clusters in slices and stays responsive at 100,000.
        super().__init__(name=name, options={"maxClusterRadius": 50, "chunkedLoading": True})
        self._name = "CompactIncidentLayer"
        self.latitudes, self.longitudes, self.kinds = compact_arrays(frame)
        self.colours = _script_json([EVENT_COLOURS[event] for event in _EVENT_ORDER])
        self.scale = COMPACT_SCALE


def build_incident_map(
    frame: pd.DataFrame,
    *,
    online_tiles: bool = True,
    detail_limit: int = DETAIL_LIMIT,
) -> folium.Map:
    """The map of ``frame``'s incidents, fitted to them, using only locally served assets."""
    incident_map = build_base_map(online_tiles=online_tiles)
    # Fitted before any layer is added, and without animation: the markers are clustered once,
    # at the zoom the map opens with, instead of again after an animated zoom.
    fit = folium.map.FitBounds(map_bounds(frame))
    fit.options["animate"] = False
    incident_map.add_child(fit)
    if len(frame) <= detail_limit:
        _uncertainty_rings(frame).add_to(incident_map)
        _tracks_layer(frame).add_to(incident_map)
        DetailedIncidentLayer(frame).add_to(incident_map)
    else:
        CompactIncidentLayer(frame).add_to(incident_map)
    incident_map.get_root().html.add_child(folium.Element(_legend_html()))
    if online_tiles:
        folium.LayerControl(collapsed=True).add_to(incident_map)
    return localise(incident_map)


def incidents_at(
    frame: pd.DataFrame, latitude: float, longitude: float, *, tolerance: float = 1e-3
) -> pd.DataFrame:
    """The incidents drawn at a clicked point (several may share one placeholder position)."""
    near = (frame["latitude"] - latitude).abs().le(tolerance) & (
        frame["longitude"] - longitude
    ).abs().le(tolerance)
    return frame[near]


def event_legend() -> Iterable[tuple[str, str]]:
    """(label, colour) of each event type, in the schema's order."""
    return [(EventType(event).label, EVENT_COLOURS[event]) for event in _EVENT_ORDER]
