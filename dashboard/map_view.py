"""Builds the Folium map of incidents from a filtered frame (plain Python, no Streamlit).

Small selections get one marker per incident with a full popup; large ones get a compact
cluster layer whose markers carry only position and event type, and the details of a clicked
incident are shown beside the map instead of riding in every marker.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import folium
import pandas as pd
from folium.plugins import FastMarkerCluster, MarkerCluster

from dashboard.assets import localise
from dashboard.colours import EVENT_COLOURS
from dashboard.land import load_land_geojson
from dashboard.presentation import flag_with_mark
from dashboard.schema import DatePrecision, EventType, LocationPrecision, Outcome

# The Caribbean the map opens on: (south, west), (north, east).
CARIBBEAN_BOUNDS = ((7.0, -90.0), (28.0, -58.0))
MAX_ZOOM = 12
# Above this many incidents, markers lose their popups and carry only what the cluster needs.
DETAIL_LIMIT = 1_000
# Uncertainty rings: how far from the point the incident may really be, in metres.
UNCERTAINTY_RADIUS_M = {LocationPrecision.APPROXIMATE: 30_000, LocationPrecision.REGION: 150_000}
SEA_COLOUR = "#d8e8f3"
LAND_PANE = "land"
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
    vessel = escape_for_map(incident["vessel_name"])
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
    return escape_for_map(f"{incident['vessel_name']} · {event} · {incident['date'].date()}")


def map_bounds(frame: pd.DataFrame) -> list[list[float]]:
    """The Caribbean, widened to take in every incident that lies beyond it."""
    (south, west), (north, east) = CARIBBEAN_BOUNDS
    if not frame.empty:
        south = min(south, float(frame["latitude"].min()))
        north = max(north, float(frame["latitude"].max()))
        west = min(west, float(frame["longitude"].min()))
        east = max(east, float(frame["longitude"].max()))
    return [[south, west], [north, east]]


def _base_map(*, online_tiles: bool) -> folium.Map:
    base = folium.Map(
        location=[17.5, -74.0],
        zoom_start=5,
        tiles=None,
        # A Leaflet option here: without tiles Folium drops `max_zoom`, and the cluster
        # plugin then throws "Map has no maxZoom specified".
        maxZoom=MAX_ZOOM,
        control_scale=True,
        prefer_canvas=True,
    )
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
    folium.GeoJson(
        load_land_geojson(),
        name="Land outline (offline)",
        style_function=lambda _feature: LAND_STYLE,
        interactive=False,
        control=False,
        pane=LAND_PANE,
    ).add_to(base)
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


def _detailed_layer(frame: pd.DataFrame) -> MarkerCluster:
    cluster = MarkerCluster(
        name="Incidents",
        # No animation: markers stay where they are drawn, for people and for tests alike.
        options={"maxClusterRadius": 30, "disableClusteringAtZoom": 7, "animate": False},
    )
    for incident in frame.to_dict("records"):
        colour = EVENT_COLOURS[incident["event_type"]]
        folium.Marker(
            [incident["latitude"], incident["longitude"]],
            icon=folium.DivIcon(
                html=f'<div class="incident-dot" style="background:{colour}"></div>',
                icon_size=(14, 14),
                icon_anchor=(7, 7),
                class_name=f"incident-marker incident-{incident['event_type']}",
            ),
            popup=folium.Popup(popup_html(incident), max_width=340),
            tooltip=folium.Tooltip(tooltip_text(incident)),
        ).add_to(cluster)
    return cluster


def _uncertainty_rings(frame: pd.DataFrame) -> folium.FeatureGroup:
    rings = folium.FeatureGroup(name="Location uncertainty")
    for incident in frame.to_dict("records"):
        radius = UNCERTAINTY_RADIUS_M.get(LocationPrecision(incident["location_precision"]))
        if radius is None:
            continue
        folium.Circle(
            [incident["latitude"], incident["longitude"]],
            radius=radius,
            color=EVENT_COLOURS[incident["event_type"]],
            weight=1.5,
            dash_array="5 5",
            fill=True,
            fill_opacity=0.06,
            interactive=False,
        ).add_to(rings)
    return rings


def vessel_tracks(frame: pd.DataFrame) -> list[list[tuple[float, float]]]:
    """For each vessel with several incidents, their positions in date order."""
    keyed = frame.assign(_vessel=frame["imo"].fillna("name:" + frame["vessel_name"].str.casefold()))
    tracks = []
    for _key, incidents in keyed.sort_values(["date", "id"]).groupby("_vessel", sort=False):
        if len(incidents) > 1:
            tracks.append(list(zip(incidents["latitude"], incidents["longitude"], strict=True)))
    return tracks


def _tracks_layer(frame: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Vessel tracks")
    for track in vessel_tracks(frame):
        folium.PolyLine(track, interactive=False, **TRACK_STYLE).add_to(group)
    return group


# Drawn in the browser from [lat, lon, event index] triples; kept short on purpose.
_COMPACT_CALLBACK = """function (row) {
    var colours = %s;
    return L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, weight: 1, color: '#ffffff', fillColor: colours[row[2]], fillOpacity: 0.9
    });
}"""


def compact_points(frame: pd.DataFrame) -> list[list[float | int]]:
    """[lat, lon, event index] for each incident, rounded to about 100 m."""
    codes = pd.Categorical(frame["event_type"].astype(str), categories=_EVENT_ORDER).codes
    return [
        [round(lat, 3), round(lon, 3), int(code)]
        for lat, lon, code in zip(frame["latitude"], frame["longitude"], codes, strict=True)
    ]


def _compact_layer(frame: pd.DataFrame) -> FastMarkerCluster:
    colours = json.dumps([EVENT_COLOURS[event] for event in _EVENT_ORDER])
    return FastMarkerCluster(
        compact_points(frame),
        callback=_COMPACT_CALLBACK % colours,
        name="Incidents",
        options={"maxClusterRadius": 50, "chunkedLoading": True},
    )


def build_incident_map(
    frame: pd.DataFrame,
    *,
    online_tiles: bool = True,
    detail_limit: int = DETAIL_LIMIT,
) -> folium.Map:
    """The map of ``frame``'s incidents, fitted to them, using only locally served assets."""
    incident_map = _base_map(online_tiles=online_tiles)
    if len(frame) <= detail_limit:
        _uncertainty_rings(frame).add_to(incident_map)
        _tracks_layer(frame).add_to(incident_map)
        _detailed_layer(frame).add_to(incident_map)
    else:
        _compact_layer(frame).add_to(incident_map)
    incident_map.get_root().html.add_child(folium.Element(_legend_html()))
    if online_tiles:
        folium.LayerControl(collapsed=True).add_to(incident_map)
    incident_map.fit_bounds(map_bounds(frame))
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
