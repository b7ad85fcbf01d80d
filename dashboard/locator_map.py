"""The small map the add-incident page is clicked on to set a position (plain Folium)."""

from __future__ import annotations

import functools
import json

import folium
from branca.element import MacroElement
from folium.template import Template

from dashboard.assets import localise
from dashboard.geo import Position
from dashboard.land import load_land_geojson
from dashboard.map_view import CARIBBEAN_BOUNDS, LAND_STYLE, MAX_ZOOM, SEA_COLOUR, TILE_ATTRIBUTION

LAND_PANE = "locator_land"
CHOSEN_COLOUR = "#c0392b"


def build_locator_map(*, online_tiles: bool) -> folium.Map:
    """A map of the Caribbean to click on: the offline land outline, street tiles if allowed."""
    locator = folium.Map(
        location=[17.5, -74.0],
        zoom_start=5,
        tiles=None,
        maxZoom=MAX_ZOOM,
        control_scale=True,
    )
    locator.get_root().header.add_child(
        folium.Element(
            f"<style>.leaflet-container {{ background: {SEA_COLOUR}; cursor: crosshair; }}</style>"
        )
    )
    if online_tiles:
        folium.TileLayer(
            "OpenStreetMap", name="Street map (online)", attr=TILE_ATTRIBUTION, max_zoom=MAX_ZOOM
        ).add_to(locator)
    # Under the tiles, as on the main map: the outline shows wherever tiles cannot load.
    folium.map.CustomPane(LAND_PANE, z_index=150, pointer_events=False).add_to(locator)
    _LandOutline().add_to(locator)
    locator.fit_bounds([list(corner) for corner in CARIBBEAN_BOUNDS])
    return localise(locator)


@functools.cache
def _land_json() -> str:
    """The land outline as JSON text safe inside a <script> element, serialised once."""
    return json.dumps(load_land_geojson(), separators=(",", ":")).replace("</", "<\\/")


class _LandOutline(MacroElement):
    """The land outline as one pre-serialised script.

    folium.GeoJson would hold the half-megabyte outline as Python objects that every rerun
    deep-copies, measures and serialises again on every rerun (about 0.2 s a run); this holds
    one string, made once.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
            pane: {{ this.pane|tojson }},
            interactive: false,
            style: function () { return {{ this.style|tojson }}; }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "LandOutline"
        self.data = _land_json()
        self.pane = LAND_PANE
        self.style = LAND_STYLE


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
