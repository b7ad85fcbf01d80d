"""Very many incidents as dots painted on one canvas, clickable, with no Leaflet object per dot.

From map_view.CANVAS_LIMIT incidents on, creating and clustering one Leaflet marker each is what the
browser spends its time on (3 s of the 3.8 s a 100,000-incident map takes). This layer projects
the positions once, copies a ready-drawn dot of each incident's colour into the pixels of a canvas
the size of the map, and paints again after each pan or zoom (tens of milliseconds). A click on
the map finds the nearest dot within reach and fires the layer's own ``click`` with that dot's
position, which is what streamlit-folium reports as ``last_object_clicked``: the page shows that
incident beside the map exactly as it does for a clustered marker.
"""

from __future__ import annotations

import pandas as pd
from folium.template import Template

from dashboard.colours import EVENT_COLOURS
from dashboard.i18n import N_, _
from dashboard.map_view import (
    _EVENT_ORDER,
    COMPACT_SCALE,
    _script_json,
    _ScriptedLayer,
    compact_arrays,
)

DOT_RADIUS_PX = 4
# How far from a dot's centre a click still picks it, in screen pixels.
CLICK_REACH_PX = 8


class CanvasIncidentLayer(_ScriptedLayer):
    """Every incident as a dot in its event type's colour, painted on one canvas."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var colours = {{ this.colours }}, scale = {{ this.scale }};
            var lat = [{{ this.latitudes }}];
            var lng = [{{ this.longitudes }}];
            var kind = [{{ this.kinds }}];
            var count = lat.length, radius = {{ this.radius }}, reach = {{ this.reach }};
            // Web Mercator pixels at zoom 0 (a 256-pixel world), as Leaflet's map.project.
            var x = new Float64Array(count), y = new Float64Array(count);
            for (var i = 0; i < count; i++) {
                var sine = Math.sin(Math.max(-85.0511, Math.min(85.0511, lat[i] / scale))
                    * Math.PI / 180);
                x[i] = (lng[i] / scale + 180) / 360 * 256;
                y[i] = (0.5 - Math.log((1 + sine) / (1 - sine)) / (4 * Math.PI)) * 256;
            }
            // Dots are copied into the canvas's pixels, not drawn as paths: without a GPU,
            // Chromium took 0.3 s to fill and stroke 100,000 circles, copying takes 0.07 s.
            function stamp(target, dots, colour, left, top) {
                var size = dots.size, words = dots.words[colour], bytes = dots.bytes[colour];
                var fromX = Math.max(0, -left), toX = Math.min(size, target.width - left);
                var fromY = Math.max(0, -top), toY = Math.min(size, target.height - top);
                for (var sy = fromY; sy < toY; sy++) {
                    for (var sx = fromX; sx < toX; sx++) {
                        var s = sy * size + sx, alpha = bytes[s * 4 + 3];
                        if (alpha === 0) continue;
                        var d = (top + sy) * target.width + left + sx;
                        if (alpha === 255 || target.bytes[d * 4 + 3] === 0) {
                            target.words[d] = words[s];
                        } else {
                            blend(target.bytes, d * 4, bytes, s * 4, alpha);
                        }
                    }
                }
            }
            // A dot's soft edge over what is already painted ("source over").
            function blend(into, at, from, start, alpha) {
                var keep = 1 - alpha / 255;
                for (var channel = 0; channel < 3; channel++) {
                    into[at + channel] = from[start + channel] * (alpha / 255)
                        + into[at + channel] * keep;
                }
                into[at + 3] = alpha + into[at + 3] * keep;
            }
            var Dots = L.Layer.extend({
                incidentCount: count,
                onAdd: function (map) {
                    this._canvas = L.DomUtil.create(
                        "canvas", "incident-points leaflet-zoom-hide");
                    map.getPane("overlayPane").appendChild(this._canvas);
                    map.on("moveend zoomend resize viewreset", this._paint, this);
                    map.on("click", this._pick, this);
                    this._paint();
                },
                onRemove: function (map) {
                    map.off("moveend zoomend resize viewreset", this._paint, this);
                    map.off("click", this._pick, this);
                    L.DomUtil.remove(this._canvas);
                },
                _frame: function () {
                    var map = this._map;
                    return {zoom: Math.pow(2, map.getZoom()), origin: map.getPixelBounds().min,
                            size: map.getSize()};
                },
                _paint: function () {
                    var frame = this._frame(), canvas = this._canvas;
                    var ratio = window.devicePixelRatio || 1;
                    L.DomUtil.setPosition(canvas, this._map.containerPointToLayerPoint([0, 0]));
                    canvas.width = Math.round(frame.size.x * ratio);
                    canvas.height = Math.round(frame.size.y * ratio);
                    canvas.style.width = frame.size.x + "px";
                    canvas.style.height = frame.size.y + "px";
                    var context = canvas.getContext("2d");
                    var image = context.createImageData(canvas.width, canvas.height);
                    var target = {
                        words: new Uint32Array(image.data.buffer), bytes: image.data,
                        width: canvas.width, height: canvas.height
                    };
                    var dots = this._sprites(ratio), half = dots.size / 2;
                    var scale = frame.zoom * ratio;
                    // One colour after another, so later event types lie on top, as before.
                    for (var colour = 0; colour < colours.length; colour++) {
                        for (var i = 0; i < count; i++) {
                            if (kind[i] !== colour) continue;
                            stamp(target, dots, colour,
                                Math.round(x[i] * scale - frame.origin.x * ratio - half),
                                Math.round(y[i] * scale - frame.origin.y * ratio - half));
                        }
                    }
                    context.putImageData(image, 0, 0);
                    L.DomUtil.addClass(canvas, "incident-points-drawn");
                },
                // Each colour's dot, drawn once by the canvas itself (anti-aliased outline).
                _sprites: function (ratio) {
                    if (this._dots && this._dots.ratio === ratio) return this._dots;
                    var size = Math.ceil((2 * radius + 2) * ratio), centre = size / 2 / ratio;
                    var sprite = document.createElement("canvas");
                    sprite.width = sprite.height = size;
                    var context = sprite.getContext("2d");
                    context.setTransform(ratio, 0, 0, ratio, 0, 0);
                    context.lineWidth = 1;
                    context.strokeStyle = "#ffffff";
                    var words = [], bytes = [];
                    for (var colour = 0; colour < colours.length; colour++) {
                        context.clearRect(0, 0, size, size);
                        context.beginPath();
                        context.arc(centre, centre, radius, 0, 2 * Math.PI);
                        context.fillStyle = colours[colour];
                        context.fill();
                        context.stroke();
                        var pixels = context.getImageData(0, 0, size, size).data;
                        bytes.push(pixels);
                        words.push(new Uint32Array(pixels.buffer));
                    }
                    this._dots = {ratio: ratio, size: size, words: words, bytes: bytes};
                    return this._dots;
                },
                _pick: function (event) {
                    var frame = this._frame(), point = event.containerPoint;
                    var best = -1, nearest = reach * reach;
                    for (var i = 0; i < count; i++) {
                        var dx = x[i] * frame.zoom - frame.origin.x - point.x;
                        var dy = y[i] * frame.zoom - frame.origin.y - point.y;
                        var distance = dx * dx + dy * dy;
                        if (distance <= nearest) { nearest = distance; best = i; }
                    }
                    if (best >= 0) {
                        this.fire("click", {
                            latlng: L.latLng(lat[best] / scale, lng[best] / scale),
                            originalEvent: event.originalEvent
                        });
                    }
                }
            });
            return new Dots().addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, frame: pd.DataFrame, *, name: str = N_("Incidents")) -> None:
        super().__init__(name=_(name))  # the layer control's name, in the reader's language
        self._name = "CanvasIncidentLayer"
        self.latitudes, self.longitudes, self.kinds = compact_arrays(frame)
        self.colours = _script_json([EVENT_COLOURS[event] for event in _EVENT_ORDER])
        self.scale = COMPACT_SCALE
        self.radius = DOT_RADIUS_PX
        self.reach = CLICK_REACH_PX
