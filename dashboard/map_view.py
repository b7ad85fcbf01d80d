"""Builds the Folium map of incidents from a filtered frame (plain Python, no Streamlit).

Small selections get one marker per incident with a full popup; large ones get a compact
cluster layer whose markers carry only position and event type, and the details of a clicked
incident are shown beside the map instead of riding in every marker.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import folium
import numpy as np
import pandas as pd
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template
from folium.vector_layers import path_options

from dashboard.assets import land_url, localise
from dashboard.colours import EVENT_COLOURS
from dashboard.i18n import N_, _, format_number, ngettext, vocabulary_label
from dashboard.presentation import NOTES, incident_facts, shown_vessel_label
from dashboard.schema import EventType, LocationPrecision, Verification
from dashboard.vessel_views import vessel_keys

# The Caribbean the map opens on: (south, west), (north, east).
CARIBBEAN_BOUNDS = ((7.0, -90.0), (28.0, -58.0))
MAX_ZOOM = 12
# Above this many incidents, markers lose their popups and carry only what the cluster needs.
DETAIL_LIMIT = 1_000
# From this many incidents on, clustering a Leaflet marker each takes the browser seconds: the
# map paints dots on one canvas instead (issue 12).
CANVAS_LIMIT = 5_000
# What the map reads of each incident above DETAIL_LIMIT (compact and canvas layers, legend,
# opening view, focus): the map page copies only these out of a large filtered record.
OVERVIEW_COLUMNS = ("id", "latitude", "longitude", "event_type", "verification")
# Compact markers carry positions in thousandths of a degree (about 100 m).
COMPACT_SCALE = 1_000
# How many of those numbers are formatted as text at once (compact_arrays).
FORMAT_SLICE_ROWS = 65_536
POPUP_MAX_WIDTH = 340
# Popups scroll inside this height: a taller one made Leaflet pan the map far off the incidents
# to fit it (issue 9: a click on Marinera moved the centre to 84.9°N and closed the popup).
POPUP_MAX_HEIGHT = 220
POPUP_PAN_PADDING = (16, 16)
# The opening view keeps markers this far (pixels) from the edges; on a wide map the right
# side also leaves room for the legend and the "show all" control stacked there.
FIT_PADDING = 40
WIDE_MAP_PX = 500
LEGEND_ROOM_PX = 230
# A single incident (or a few close ones) opens no closer than this.
OPENING_MAX_ZOOM = 7
OPENING_ZOOM_SNAP = 0.5
# Clusters mix event types, so they take a neutral colour of their own, named in the legend.
CLUSTER_COLOUR = "#3d4a57"
# Strike markers grow with the number of people reported killed and carry that number; they
# are squares, so that they do not read as cluster bubbles, which are round and carry counts.
STRIKE_BASE_PX = 18
STRIKE_MAX_PX = 40
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
# The incident layer's name in the layer control (translated where the layer is built).
INCIDENTS_LAYER = N_("Incidents")
_VERIFICATION_ORDER = [status.value for status in Verification]


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


def popup_html(incident: Mapping[str, Any]) -> str:
    """The popup of one incident: every value escaped, links only for http(s) sources."""
    vessel = escape_for_map(shown_vessel_label(incident["vessel_name"]))
    incident_id = escape_for_map(incident["id"])
    sources = "".join(
        f"<li>{_safe_link(source['url'], source.get('outlet') or source['url'])}</li>"
        for source in incident["sources"]
    )
    facts = [(name, text) for name, text in incident_facts(incident) if name != _(NOTES)]
    table = "".join(
        f"<tr><th>{escape_for_map(name)}</th><td>{escape_for_map(text)}</td></tr>"
        for name, text in facts
    )
    notes = incident["notes"]
    notes_html = (
        ""
        if pd.isna(notes) or not str(notes).strip()
        else (
            f'<p class="incident-notes"><strong>{escape_for_map(_(NOTES))}</strong> '
            f"{escape_for_map(notes)}</p>"
        )
    )
    sources_heading = escape_for_map(_("Sources"))
    copy_label = escape_for_map(_("Copy link to this incident"))
    return (
        f'<div class="incident-popup" data-incident-id="{incident_id}">'
        f"<h4>{vessel} <small>{incident_id}</small></h4><table>{table}</table>"
        f"<p>{escape_for_map(incident['summary'])}</p>{notes_html}"
        f"<p><strong>{sources_heading}</strong></p><ul>{sources}</ul>"
        f'<p><button type="button" class="copy-link" data-incident-id="{incident_id}">'
        f"{copy_label}</button></p></div>"
    )


def _none_if_na(value: object) -> Any:
    return None if pd.isna(value) else value


def tooltip_text(incident: Mapping[str, Any]) -> str:
    """The hover text of one incident, escaped (Folium's Tooltip never escapes)."""
    event = vocabulary_label(EventType(incident["event_type"]))
    name = shown_vessel_label(incident["vessel_name"])
    return escape_for_map(f"{name} · {event} · {incident['date'].date()}")


def map_bounds(frame: pd.DataFrame) -> list[list[float]]:
    """The [[south, west], [north, east]] corners around ``frame``'s incidents."""
    return [
        [float(frame["latitude"].min()), float(frame["longitude"].min())],
        [float(frame["latitude"].max()), float(frame["longitude"].max())],
    ]


def in_caribbean(frame: pd.DataFrame) -> pd.Series:
    """True for each incident inside the Caribbean theatre the map opens on."""
    (south, west), (north, east) = CARIBBEAN_BOUNDS
    return frame["latitude"].between(south, north) & frame["longitude"].between(west, east)


@dataclass(frozen=True)
class OpeningView:
    """Where the map opens, and what lies beyond it for the "show all" control."""

    bounds: list[list[float]]
    all_bounds: list[list[float]]
    outside: int

    @property
    def show_all_label(self) -> str:
        """The words of the control that fits every incident."""
        return ngettext(
            "{count} incident outside this view — show all",
            "{count} incidents outside this view — show all",
            self.outside,
        ).format(count=format_number(self.outside))


def opening_view(frame: pd.DataFrame) -> OpeningView:
    """The Caribbean incidents' bounds, and how many incidents lie outside them.

    One far-off incident (Marinera, seized off Iceland) must not shrink the Caribbean, where
    most incidents are, to a corner; a filter that leaves only far-off incidents fits them.
    """
    if frame.empty:
        caribbean = [list(corner) for corner in CARIBBEAN_BOUNDS]
        return OpeningView(caribbean, caribbean, 0)
    everything = map_bounds(frame)
    inside = in_caribbean(frame)
    if not inside.any() or inside.all():
        return OpeningView(everything, everything, 0)
    return OpeningView(map_bounds(frame[inside]), everything, int((~inside).sum()))


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
    # Attribution links underlined: Leaflet's blue on grey text is told apart by colour alone
    # (axe's link-in-text-block rule), which fails people who do not see the difference.
    base.get_root().header.add_child(
        folium.Element(
            f"<style>.leaflet-container {{ background: {SEA_COLOUR}; }}"
            ".leaflet-control-attribution a { text-decoration: underline; }</style>"
        )
    )
    if online_tiles:
        folium.TileLayer(
            "OpenStreetMap", name=_("Street map (online)"), attr=TILE_ATTRIBUTION, max_zoom=MAX_ZOOM
        ).add_to(base)
    # Below the tile pane (z-index 200): tiles hide the outline when they load, and where they
    # cannot load (no network) the outline still shows where the land is.
    folium.map.CustomPane(LAND_PANE, z_index=150, pointer_events=False).add_to(base)
    _LandLayer().add_to(base)
    return base


def _swatch(css_class: str, style: str = "", text: str = "") -> str:
    return (
        f'<span class="legend-swatch {css_class}" style="{style}" aria-hidden="true">{text}</span>'
    )


def legend_html(frame: pd.DataFrame) -> str:
    """The legend: event colours, clusters, verification, strike sizes, rings and tracks."""
    rows = [
        (
            _swatch("legend-dot", f"background:{EVENT_COLOURS[event]}"),
            vocabulary_label(EventType(event)),
        )
        for event in _EVENT_ORDER
    ]
    rows.append((_swatch("legend-cluster", text="3"), _("Cluster of incidents (zoom in to split)")))
    rows.append((_swatch("legend-dot", "background:#555"), _("Verified")))
    rows.append((_swatch("legend-dot incident-dot-hollow", "border-color:#555"), _("Unverified")))
    if (frame["verification"] == Verification.REJECTED.value).any():
        rows.append(
            (_swatch("legend-dot incident-dot-rejected", "border-color:#555", "×"), _("Rejected"))
        )
    strike = f"background:{EVENT_COLOURS[EventType.STRIKE]}"
    rows.append(
        (
            _swatch("legend-dot legend-killed", strike, "3"),
            _("Strike: people killed (square, larger = more)"),
        )
    )
    rows.append(
        (_swatch("legend-ring legend-ring-approximate"), _("Approximate location (~30 km)"))
    )
    rows.append((_swatch("legend-ring legend-ring-region"), _("Sea area only (~150 km)")))
    rows.append((_swatch("legend-line"), _("Same vessel, in date order")))
    heading = escape_for_map(_("Legend"))
    items = "".join(f"<li>{swatch}{escape_for_map(label)}</li>" for swatch, label in rows)
    return (
        '<details class="incident-legend" open>'
        f"<summary>{heading}</summary>"
        f'<ul class="legend-items">{items}</ul></details>'
    )


# Shared by every incident map: markers, clusters, legend and popups.
MAP_CSS = f"""
.incident-dot{{width:14px;height:14px;box-sizing:border-box;border-radius:50%;
  border:2px solid #fff;box-shadow:0 0 2px #000}}
.incident-dot-hollow{{background:#fff !important;border-width:3px;border-style:solid}}
.incident-dot-rejected{{background:#fff !important;border-width:2px;border-style:dashed;
  color:#333;font:bold 11px/9px sans-serif;text-align:center}}
.incident-count{{border-radius:4px;color:#fff;font:bold 11px sans-serif;display:flex;
  align-items:center;justify-content:center}}
.incident-marker:focus-visible{{outline:3px solid #0b57d0;outline-offset:2px;border-radius:50%}}
.incident-cluster div{{background:{CLUSTER_COLOUR};color:#fff;width:30px;height:30px;
  margin:5px;border-radius:15px;text-align:center;font:bold 12px/30px sans-serif}}
.incident-cluster{{background:rgba(61,74,87,.35);border-radius:20px}}
.incident-legend{{background:rgba(255,255,255,.95);padding:4px 8px;border-radius:4px;
  font:12px/1.4 sans-serif;color:#222;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:220px}}
.incident-legend summary{{cursor:pointer;font-weight:bold}}
.legend-items{{list-style:none;margin:4px 0 0;padding:0}}
.legend-items li{{display:flex;align-items:center;gap:6px;margin:2px 0}}
.legend-swatch{{flex:none;display:inline-block;box-sizing:border-box}}
.legend-dot{{width:12px;height:12px;border-radius:50%;border:1px solid #333}}
.legend-cluster{{width:18px;height:18px;border-radius:50%;background:{CLUSTER_COLOUR};color:#fff;
  font:bold 10px/18px sans-serif;text-align:center}}
.legend-killed{{width:18px;height:18px;border-radius:3px;color:#fff;font:bold 10px/16px sans-serif;
  text-align:center}}
.legend-ring{{border-radius:50%;border:1.5px dashed #333}}
.legend-ring-approximate{{width:12px;height:12px;margin:0 3px}}
.legend-ring-region{{width:18px;height:18px}}
.legend-line{{width:18px;border-top:2px dashed #555}}
.show-all-control{{font:bold 12px sans-serif;padding:6px 10px;background:#fff;color:#1a1a1a;
  border:2px solid rgba(0,0,0,.3);border-radius:4px;cursor:pointer}}
.incident-popup{{font:13px/1.4 sans-serif}}
.incident-popup table{{font-size:inherit;border-collapse:collapse}}
.incident-popup h4{{margin:0 0 4px;font-size:15px}}
.incident-popup th{{text-align:left;vertical-align:top;padding-right:6px}}
.incident-notes{{background:#fff6e0;padding:4px 6px;border-left:3px solid #b26b00}}
.copy-link{{font:12px sans-serif;padding:3px 8px;cursor:pointer}}
"""


class _MapControls(MacroElement):
    """The opening view, the "show all" control and the collapsible legend."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var wide = map.getSize().x > {{ this.wide_px }};
            var fit = {
                paddingTopLeft: [{{ this.padding }}, {{ this.padding }}],
                paddingBottomRight: [
                    {{ this.padding }} + (wide ? {{ this.legend_room }} : 0), {{ this.padding }}
                ],
                maxZoom: {{ this.max_zoom }}, animate: false
            };
            var opening = L.latLngBounds({{ this.bounds }});
            var everything = L.latLngBounds({{ this.all_bounds }});
            var focus = {{ this.focus }};
            if (focus) {
                map.setView(focus, {{ this.max_zoom }}, {animate: false});
            } else {
                map.fitBounds(opening, fit);
            }
            {%- if this.outside %}
            var ShowAll = L.Control.extend({
                options: {position: "topright"},
                onAdd: function () {
                    var label = {{ this.show_all_label }}, back = {{ this.back_label }};
                    var button = L.DomUtil.create("button", "show-all-control");
                    button.type = "button";
                    button.textContent = label;
                    var showingAll = false;
                    L.DomEvent.disableClickPropagation(button);
                    L.DomEvent.on(button, "click", function () {
                        showingAll = !showingAll;
                        map.fitBounds(showingAll ? everything : opening, fit);
                        button.textContent = showingAll ? back : label;
                    });
                    return button;
                }
            });
            new ShowAll().addTo(map);
            {%- endif %}
            var Legend = L.Control.extend({
                options: {position: "topright"},
                onAdd: function () {
                    var box = L.DomUtil.create("div", "incident-legend-control");
                    box.innerHTML = {{ this.legend }};
                    // Collapsed on a phone, where it would cover the only cluster.
                    if (!wide) { box.querySelector("details").open = false; }
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    return box;
                }
            });
            new Legend().addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, view: OpeningView, legend: str, focus: tuple[float, float] | None = None
    ) -> None:
        super().__init__()
        self._name = "MapControls"
        self.bounds = _script_json(view.bounds)
        self.all_bounds = _script_json(view.all_bounds)
        self.outside = view.outside
        self.show_all_label = _script_json(view.show_all_label)
        self.back_label = _script_json(_("Back to the Caribbean"))
        self.legend = _script_json(legend)
        self.focus = _script_json(list(focus) if focus else None)
        self.padding = FIT_PADDING
        self.legend_room = LEGEND_ROOM_PX
        self.wide_px = WIDE_MAP_PX
        self.max_zoom = OPENING_MAX_ZOOM


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


# The neutral cluster bubble; the count sits in its own span, which the browser tests read.
_CLUSTER_ICON_JS = """function (cluster) {
    var count = cluster.getChildCount();
    return L.divIcon({
        html: '<div><span class="cluster-count">' + count + '</span></div>',
        className: "marker-cluster incident-cluster", iconSize: L.point(40, 40)
    });
}"""


class DetailedIncidentLayer(_ScriptedLayer, MarkerCluster):
    """One marker per incident with its popup and tooltip, clustered where dense."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var colours = {{ this.colours }}, events = {{ this.events }};
            var statuses = {{ this.statuses }};
            var rows = {{ this.rows }}, focusId = {{ this.focus_id }}, focused = null;
            var base = {{ this.strike_base }}, largest = {{ this.strike_max }};
            function icon(row) {
                var colour = colours[row[2]], status = statuses[row[5]], killed = row[6];
                var size = 14, style = "background:" + colour, text = "", extra = "";
                // Hollow marks write their count in the event colour, not white on white.
                if (status === "unverified") {
                    extra = " incident-dot-hollow";
                    style = "border-color:" + colour + ";color:" + colour;
                } else if (status === "rejected") {
                    extra = " incident-dot-rejected";
                    style = "border-color:" + colour + ";color:" + colour;
                    text = "×";
                }
                if (killed > 0) {
                    size = Math.min(largest, Math.round(base + 4 * Math.sqrt(killed)));
                    extra += " incident-count";
                    text = String(killed);
                }
                style += ";width:" + size + "px;height:" + size + "px";
                return L.divIcon({
                    html: '<div class="incident-dot' + extra + '" style="' + style
                        + '" data-incident-id="' + row[7] + '">' + text + "</div>",
                    iconSize: [size, size], iconAnchor: [size / 2, size / 2],
                    className: "incident-marker incident-" + events[row[2]]
                        + " incident-" + status
                });
            }
            var markers = rows.map(function (row) {
                var marker = L.marker([row[0], row[1]], {icon: icon(row), keyboard: true})
                    .bindPopup(row[3], {
                        maxWidth: {{ this.popup_width }}, maxHeight: {{ this.popup_height }},
                        autoPanPadding: {{ this.pan_padding }}
                    })
                    .bindTooltip(row[4], {sticky: true});
                marker.incidentId = row[7];
                // A name for screen readers: the marker is a button with no text of its own.
                marker.on("add", function () {
                    var element = marker.getElement();
                    if (element) { element.setAttribute("aria-label", row[4]); }
                });
                // Enter acts as a click, so the page shows the details as well as the popup.
                marker.off("keypress", marker._onKeyPress, marker);
                marker.on("keypress", function (event) {
                    if (event.originalEvent.key === "Enter") {
                        marker.fire("click", {
                            latlng: marker.getLatLng(), originalEvent: event.originalEvent
                        }, true);
                    }
                });
                if (row[7] === focusId) { focused = marker; }
                return marker;
            });
            var options = {{ this.options|tojavascript }};
            options.iconCreateFunction = {{ this.cluster_icon }};
            var cluster = L.markerClusterGroup(options);
            cluster.addLayers(markers);
            cluster.addTo({{ this._parent.get_name() }});
            if (focused) {
                cluster.zoomToShowLayer(focused, function () { focused.openPopup(); });
            }
            // "Copy link" in a popup: the permalink of the incident, from the page's own URL.
            document.addEventListener("click", function (event) {
                var button = event.target.closest && event.target.closest(".copy-link");
                if (!button) { return; }
                var page;
                try { page = window.top.location.href; } catch (error) { page = document.referrer; }
                var url = new URL(page);
                url.search = "?incident=" + encodeURIComponent(button.dataset.incidentId);
                var done = function () { button.textContent = {{ this.copied_label }}; };
                var show = function () {
                    var field = document.createElement("input");
                    field.value = url.href; field.readOnly = true;
                    field.setAttribute("aria-label", {{ this.link_label }});
                    button.replaceWith(field); field.select();
                };
                if (navigator.clipboard) {
                    navigator.clipboard.writeText(url.href).then(done, show);
                } else { show(); }
            });
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, frame: pd.DataFrame, *, name: str = INCIDENTS_LAYER, focus_id: str | None = None
    ) -> None:
        # No animation: markers stay where they are drawn, for people and for tests alike.
        super().__init__(
            name=_(name),
            options={"maxClusterRadius": 30, "disableClusteringAtZoom": 7, "animate": False},
        )
        self._name = "DetailedIncidentLayer"
        codes = _event_codes(frame)
        statuses = pd.Categorical(frame["verification"], categories=_VERIFICATION_ORDER).codes
        self.rows = _script_json(
            [
                [
                    incident["latitude"],
                    incident["longitude"],
                    int(code),
                    popup_html(incident),
                    tooltip_text(incident),
                    int(status),
                    _killed(incident),
                    str(incident["id"]),
                ]
                for incident, code, status in zip(
                    frame.to_dict("records"), codes, statuses, strict=True
                )
            ]
        )
        self.colours = _script_json([EVENT_COLOURS[event] for event in _EVENT_ORDER])
        self.events = _script_json(_EVENT_ORDER)
        self.statuses = _script_json(_VERIFICATION_ORDER)
        self.focus_id = _script_json(focus_id)
        self.copied_label = _script_json(_("Link copied"))
        self.link_label = _script_json(_("Link to this incident"))
        self.cluster_icon = _CLUSTER_ICON_JS
        self.popup_width = POPUP_MAX_WIDTH
        self.popup_height = POPUP_MAX_HEIGHT
        self.pan_padding = _script_json(list(POPUP_PAN_PADDING))
        self.strike_base = STRIKE_BASE_PX
        self.strike_max = STRIKE_MAX_PX


def _killed(incident: Mapping[str, Any]) -> int:
    """People reported killed in a strike; -1 for any other event or when not reported."""
    killed = incident.get("killed")
    if incident["event_type"] != EventType.STRIKE or killed is None or pd.isna(killed):
        return -1
    return int(killed)


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
    """The offline land outline, fetched from the app's static files, in its own pane."""

    # Fetched, not embedded: the browser keeps the file, and no map message carries it.
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            pane: {{ this.pane|tojson }}, interactive: false,
            style: function () { return {{ this.style }}; }
        }).addTo({{ this._parent.get_name() }});
        // Fetched at once, drawn after the next paint: building and drawing the coasts takes
        // the browser about 50 ms, which the incidents, the reason for the map, need not wait.
        fetch({{ this.url|tojson }})
            .then(function (response) { return response.json(); })
            .then(function (land) {
                requestAnimationFrame(function () {
                    setTimeout(function () { {{ this.get_name() }}.addData(land); }, 0);
                });
            });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__(name=_("Land outline (offline)"), overlay=True, control=False)
        self._name = "LandLayer"
        self.url = land_url()
        self.pane = LAND_PANE
        self.style = _script_json(LAND_STYLE)


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
    return _ShapesLayer("circle", rows, style, name=_("Location uncertainty"))


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
    return _ShapesLayer("line", vessel_tracks(frame), style, name=_("Vessel tracks"))


def compact_arrays(frame: pd.DataFrame) -> tuple[str, str, str]:
    """Latitudes and longitudes in 1/COMPACT_SCALE degrees, and event indices, as JS array text."""
    # Whole numbers are the shortest text a browser parses (about 15 bytes per incident), and
    # numpy formats them without a Python loop over the rows.
    latitudes, longitudes = (
        np.rint(frame[column].to_numpy(dtype="float64") * COMPACT_SCALE).astype("int64")
        for column in ("latitude", "longitude")
    )
    arrays = (latitudes, longitudes, _event_codes(frame))
    return tuple(_joined_numbers(values) for values in arrays)


def _joined_numbers(values: np.ndarray) -> str:
    """The whole numbers in ``values`` as comma-separated text, formatted a slice at a time."""
    # One slice at a time: the whole array as Python ints and then as strings held about
    # 100 MB at 1,000,000 incidents, on top of the frame, while the map was built.
    return ",".join(
        ",".join(map(str, values[start : start + FORMAT_SLICE_ROWS].tolist()))
        for start in range(0, len(values), FORMAT_SLICE_ROWS)
    )


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
            var options = {{ this.options|tojavascript }};
            options.iconCreateFunction = {{ this.cluster_icon }};
            var cluster = L.markerClusterGroup(options);
            // On the map first: markercluster 1.1 checks each marker added to a group that is
            // not on a map against all those added before it (100,000 markers: 10 s).
            cluster.addTo({{ this._parent.get_name() }});
            cluster.addLayers(markers);
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, frame: pd.DataFrame, *, name: str = INCIDENTS_LAYER) -> None:
        # chunkedLoading: the browser clusters in slices and stays responsive at 100,000.
        super().__init__(name=_(name), options={"maxClusterRadius": 50, "chunkedLoading": True})
        self._name = "CompactIncidentLayer"
        self.latitudes, self.longitudes, self.kinds = compact_arrays(frame)
        self.cluster_icon = _CLUSTER_ICON_JS
        self.colours = _script_json([EVENT_COLOURS[event] for event in _EVENT_ORDER])
        self.scale = COMPACT_SCALE


def columns_drawn(shown: int) -> tuple[str, ...] | None:
    """The columns the map of ``shown`` incidents reads: all of them (None) up to DETAIL_LIMIT,
    where popups, rings and tracks need whole rows, and only OVERVIEW_COLUMNS above it."""
    return None if shown <= DETAIL_LIMIT else OVERVIEW_COLUMNS


def build_incident_map(
    frame: pd.DataFrame,
    *,
    online_tiles: bool = True,
    detail_limit: int = DETAIL_LIMIT,
    focus_id: str | None = None,
    canvas_limit: int = CANVAS_LIMIT,
) -> folium.Map:
    """The map of ``frame``'s incidents, opened on the Caribbean, from locally served assets.

    With ``focus_id`` (a permalink) the map opens on that incident with its popup open.

    From ``canvas_limit`` incidents on the markers are dots painted on one canvas
    (dashboard/canvas_layer.py) instead of a cluster of Leaflet markers.
    """
    incident_map = build_base_map(online_tiles=online_tiles)
    # Half steps: whole zoom levels left the wide Caribbean-and-Pacific theatre at half the
    # map's size or cut it off.
    incident_map.options["zoom_snap"] = OPENING_ZOOM_SNAP
    incident_map.get_root().header.add_child(folium.Element(f"<style>{MAP_CSS}</style>"))
    focused = frame[frame["id"] == focus_id] if focus_id else frame.iloc[:0]
    focus = (
        (float(focused["latitude"].iloc[0]), float(focused["longitude"].iloc[0]))
        if len(focused)
        else None
    )
    # Fitted before any layer is added, and without animation: the markers are clustered once,
    # at the zoom the map opens with, instead of again after an animated zoom.
    incident_map.add_child(_MapControls(opening_view(frame), legend_html(frame), focus))
    if len(frame) <= detail_limit:
        _uncertainty_rings(frame).add_to(incident_map)
        _tracks_layer(frame).add_to(incident_map)
        DetailedIncidentLayer(frame, focus_id=focus_id if focus else None).add_to(incident_map)
    elif len(frame) >= canvas_limit:
        # Imported here: the canvas layer builds on this module's layers.
        from dashboard.canvas_layer import CanvasIncidentLayer

        CanvasIncidentLayer(frame).add_to(incident_map)
    else:
        CompactIncidentLayer(frame).add_to(incident_map)
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
    return [(vocabulary_label(EventType(event)), EVENT_COLOURS[event]) for event in _EVENT_ORDER]
