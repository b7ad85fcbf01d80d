"""KML of a (filtered) incident frame for Google Earth, written with fastkml.

A folder per event type holds a placemark per incident: the map's own popup as its balloon,
its date on Google Earth's time slider, and a style in the event type's map colour. Incidents
whose location is only approximate get their uncertainty ring (the map's dashed circle) as a
polygon in a sub-folder, so the rings can be switched off on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from fastkml import (
    KML,
    Data,
    Document,
    ExtendedData,
    Folder,
    IconStyle,
    LabelStyle,
    LineStyle,
    Placemark,
    PolyStyle,
    Style,
    StyleUrl,
    TimeSpan,
    TimeStamp,
)
from fastkml.times import KmlDateTime
from pygeoif.geometry import LinearRing, Point, Polygon

from dashboard.colours import EVENT_COLOURS
from dashboard.geo import circles_around
from dashboard.map_view import UNCERTAINTY_RADIUS_M, popup_html
from dashboard.presentation import vessel_label
from dashboard.schema import EventType, LocationPrecision

DOCUMENT_NAME = "Interdiction Tracker"
RINGS_FOLDER_NAME = "Location uncertainty"
# Google Earth's own round marker, tinted per event type by the style's colour.
ICON_HREF = "https://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
RING_SUFFIX = "-ring"


def style_id(event_type: EventType) -> str:
    """The id of an event type's shared style: ``event-seizure``."""
    return f"event-{event_type.value}"


def _kml_colour(hex_colour: str, *, alpha: int = 0xFF) -> str:
    """A ``#RRGGBB`` colour as KML writes it: alpha, blue, green, red."""
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{alpha:02x}{blue}{green}{red}".lower()


def _style(event_type: EventType) -> Style:
    colour = EVENT_COLOURS[event_type]
    return Style(
        id=style_id(event_type),
        styles=[
            IconStyle(color=_kml_colour(colour), scale=1.0, icon_href=ICON_HREF),
            LabelStyle(scale=0.0),  # names show on hover, not over every marker
            LineStyle(color=_kml_colour(colour), width=1.5),
            PolyStyle(color=_kml_colour(colour, alpha=0x26), fill=True, outline=True),
        ],
    )


def _times(incident: Mapping[str, Any]) -> TimeStamp | TimeSpan:
    start = KmlDateTime(incident["date"].date())
    if pd.isna(incident["end_date"]):
        return TimeStamp(timestamp=start)
    return TimeSpan(begin=start, end=KmlDateTime(incident["end_date"].date()))


def _placemark(incident: Mapping[str, Any], event_type: EventType) -> Placemark:
    return Placemark(
        id=incident["id"],
        name=vessel_label(incident["vessel_name"]),
        # The popup is escaped HTML already; fastkml escapes it once more for the XML, and a
        # KML reader unescapes that once, so Google Earth renders the popup and not the data.
        description=popup_html(incident),
        snippet=None,
        times=_times(incident),
        style_url=StyleUrl(url=f"#{style_id(event_type)}"),
        extended_data=ExtendedData(
            elements=[
                Data(name="id", value=incident["id"]),
                Data(name="event_type", value=event_type.value),
                Data(name="date", value=incident["date"].date().isoformat()),
                Data(name="location_precision", value=str(incident["location_precision"])),
            ]
        ),
        geometry=Point(float(incident["longitude"]), float(incident["latitude"])),
    )


def _ring(
    incident: Mapping[str, Any],
    event_type: EventType,
    radius: float,
    ring: list[tuple[float, float]],
) -> Placemark:
    return Placemark(
        id=incident["id"] + RING_SUFFIX,
        name=f"{vessel_label(incident['vessel_name'])}: within about {radius / 1000:,.0f} km",
        style_url=StyleUrl(url=f"#{style_id(event_type)}"),
        geometry=Polygon.from_linear_rings(LinearRing(ring)),
    )


def _rings(incidents: list[Mapping[str, Any]], event_type: EventType) -> list[Placemark]:
    """The uncertainty ring of each incident whose location is not exact."""
    uncertain = [
        (incident, UNCERTAINTY_RADIUS_M[precision])
        for incident in incidents
        if (precision := LocationPrecision(incident["location_precision"])) in UNCERTAINTY_RADIUS_M
    ]
    if not uncertain:
        return []
    rings = circles_around(
        [float(incident["latitude"]) for incident, _ in uncertain],
        [float(incident["longitude"]) for incident, _ in uncertain],
        [radius for _, radius in uncertain],
    )
    return [
        _ring(incident, event_type, radius, ring)
        for (incident, radius), ring in zip(uncertain, rings, strict=True)
    ]


def build_kml(frame: pd.DataFrame) -> KML:
    """The KML document: a style and a folder per event type present, placemarks inside."""
    records = frame.to_dict("records")
    folders = []
    for event_type in EventType:
        incidents = [row for row in records if row["event_type"] == event_type.value]
        if not incidents:
            continue
        placemarks = [_placemark(incident, event_type) for incident in incidents]
        rings = _rings(incidents, event_type)
        features: list[Placemark | Folder] = list(placemarks)
        if rings:
            features.append(
                Folder(
                    id=f"{style_id(event_type)}-rings",
                    name=RINGS_FOLDER_NAME,
                    features=rings,
                )
            )
        folders.append(
            Folder(
                id=f"{style_id(event_type)}-folder",
                name=f"{event_type.label.capitalize()} ({len(incidents)})",
                features=features,
            )
        )
    document = Document(
        name=DOCUMENT_NAME,
        styles=[_style(event_type) for event_type in EventType],
        features=folders,
    )
    return KML(features=[document])


def to_kml_bytes(frame: pd.DataFrame) -> bytes:
    """The KML document as UTF-8 XML text."""
    text = build_kml(frame).to_string(prettyprint=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")
