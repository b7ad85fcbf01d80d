"""RFC 7946 GeoJSON of a (filtered) incident frame: a Point per incident, columns as properties."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd

from dashboard.exports.cells import column_values, schema_column
from dashboard.schema import COLUMNS, Source, to_csv_value

POSITION_COLUMNS = ("longitude", "latitude")
PROPERTY_COLUMNS = tuple(column for column in COLUMNS if column not in POSITION_COLUMNS)


def to_geojson(frame: pd.DataFrame) -> dict[str, Any]:
    """The frame as an RFC 7946 FeatureCollection of Points, every other column a property."""
    return {"type": "FeatureCollection", "features": list(iter_features(frame))}


def iter_features(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The frame's rows as GeoJSON Point features, one at a time (a streamed export writes each
    as it comes instead of holding them all)."""
    properties = [
        column_values(schema_column(frame, column), _json_value, missing=None)
        for column in PROPERTY_COLUMNS
    ]
    positions = zip(
        *(frame[column].astype("float64").tolist() for column in POSITION_COLUMNS), strict=True
    )
    for (longitude, latitude), values in zip(positions, zip(*properties, strict=True), strict=True):
        feature_properties = dict(zip(PROPERTY_COLUMNS, values, strict=True))
        yield {
            "type": "Feature",
            "id": feature_properties["id"],
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": feature_properties,
        }


def to_geojson_bytes(frame: pd.DataFrame) -> bytes:
    """The frame's FeatureCollection as UTF-8 JSON text."""
    # allow_nan=False: NaN is not JSON, and a file that only some parsers accept is no export.
    text = json.dumps(to_geojson(frame), ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _json_value(value: object) -> object:
    """A schema value as JSON: ISO dates, lists for lists, sources as objects."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, tuple):
        return [
            item.model_dump(mode="json") if isinstance(item, Source) else item for item in value
        ]
    return to_csv_value(value)
