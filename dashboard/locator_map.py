"""The small map the add-incident page is clicked on to set a position (plain Folium)."""

from __future__ import annotations

import folium
import pandas as pd

from dashboard.assets import localise
from dashboard.geo import Position
from dashboard.map_view import CARIBBEAN_BOUNDS, build_base_map, escape_for_map

CHOSEN_COLOUR = "#c0392b"
# The locator zooms to a chosen point this far, and shows recorded incidents this near it.
CHOSEN_ZOOM = 7
NEARBY_DEGREES = 3.0
NEARBY_LIMIT = 200


def build_locator_map(*, online_tiles: bool) -> folium.Map:
    """A map of the Caribbean to click on: the dashboard's base map with a crosshair cursor."""
    # SVG, not canvas: the one chosen-position marker stays an element the page can find.
    locator = build_base_map(online_tiles=online_tiles, prefer_canvas=False)
    locator.get_root().header.add_child(
        folium.Element("<style>.leaflet-container { cursor: crosshair; }</style>")
    )
    locator.fit_bounds([list(corner) for corner in CARIBBEAN_BOUNDS])
    return localise(locator)


def chosen_position_layer(position: Position | None) -> folium.FeatureGroup:
    """A layer marking the position chosen so far (empty when there is none)."""
    layer = folium.FeatureGroup(name="Chosen position")
    if position is not None:
        folium.CircleMarker(
            [position.latitude, position.longitude],
            radius=8,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=CHOSEN_COLOUR,
            fill_opacity=0.9,
            interactive=False,
            class_name="chosen-position",
        ).add_to(layer)
    return layer


def nearby_incidents_layer(
    incidents: pd.DataFrame, position: Position | None
) -> folium.FeatureGroup:
    """Recorded incidents around the chosen point, small and grey, so a repeat shows at once."""
    layer = folium.FeatureGroup(name="Recorded incidents nearby")
    if position is None or incidents.empty:
        return layer
    near = incidents[
        incidents["latitude"].sub(position.latitude).abs().le(NEARBY_DEGREES)
        & incidents["longitude"].sub(position.longitude).abs().le(NEARBY_DEGREES)
    ].head(NEARBY_LIMIT)
    for latitude, longitude, label in zip(
        near["latitude"], near["longitude"], near["id"], strict=True
    ):
        folium.CircleMarker(
            [latitude, longitude],
            radius=5,
            color="#555555",
            weight=1,
            fill=True,
            fill_color="#999999",
            fill_opacity=0.8,
            tooltip=escape_for_map(label),
            class_name="nearby-incident",
        ).add_to(layer)
    return layer
