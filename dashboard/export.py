"""Exports of a (filtered) incident frame: formula-safe CSV and RFC 7946 GeoJSON.

Both read the frame ``store.incidents_frame`` builds and write every schema column, in the
schema's order, with the schema's own cell formats, so an exported CSV imports back unchanged
(apart from neutralised cells, see ``neutralise_formula``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dashboard.schema import COLUMNS, COUNT_COLUMNS, Source, to_csv_value

# Cells a spreadsheet would read as a formula (OWASP "CSV Injection"; ASVS 1.2.10 adds NUL).
# Line feed is added for spreadsheets that treat it like carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# A cell that is only a number is read as that number, never as a formula: -66.9 is a longitude.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
POSITION_COLUMNS = ("longitude", "latitude")
PROPERTY_COLUMNS = tuple(column for column in COLUMNS if column not in POSITION_COLUMNS)
CSV_MEDIA_TYPE = "text/csv"
GEOJSON_MEDIA_TYPE = "application/geo+json"


def neutralise_formula(cell: str) -> str:
    """The cell with a leading ``'`` when a spreadsheet would otherwise run it as a formula."""
    # OWASP says to prefix every such cell, but that would turn the longitude -66.9 into the
    # text '-66.9 in every spreadsheet and every re-import; a plain number cannot run, so it
    # is left as it is, while "-1+cmd|..." (not a plain number) is still neutralised.
    if cell.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV: a header of the schema's columns, one formula-safe row each."""
    cells = [
        _column_values(_schema_column(frame, column), _csv_cell, missing="") for column in COLUMNS
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue().encode("utf-8")


def to_geojson(frame: pd.DataFrame) -> dict[str, Any]:
    """The frame as an RFC 7946 FeatureCollection of Points, every other column a property."""
    properties = [
        _column_values(_schema_column(frame, column), _json_value, missing=None)
        for column in PROPERTY_COLUMNS
    ]
    positions = zip(
        *(frame[column].astype("float64").tolist() for column in POSITION_COLUMNS), strict=True
    )
    features = []
    for (longitude, latitude), values in zip(positions, zip(*properties, strict=True), strict=True):
        feature_properties = dict(zip(PROPERTY_COLUMNS, values, strict=True))
        features.append(
            {
                "type": "Feature",
                "id": feature_properties["id"],
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": feature_properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def to_geojson_bytes(frame: pd.DataFrame) -> bytes:
    """The frame's FeatureCollection as UTF-8 JSON text."""
    # allow_nan=False: NaN is not JSON, and a file that only some parsers accept is no export.
    text = json.dumps(to_geojson(frame), ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# --- from frame cells back to the schema's Python values ------------------------------------


def _schema_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """The frame's column with the schema's type where pandas changed it."""
    # A count column with an empty cell is float64 in the frame: exported as it is, 3 killed
    # would read "3.0", which the schema (rightly) refuses as a count on re-import.
    if column in COUNT_COLUMNS:
        return frame[column].astype("Int64")
    return frame[column]


def _column_values(series: pd.Series, convert: Callable[[object], Any], *, missing: Any) -> list:
    """``convert`` of each cell's schema value, or ``missing`` where the cell is empty."""
    if series.dtype == object:
        # Lists and sources: converted cell by cell, so no two rows share one mutable value.
        return [
            convert(value) if value is not None else missing for value in map(_python_value, series)
        ]
    # Dates, vocabularies, numbers and text repeat a lot: convert each distinct value once.
    codes, uniques = pd.factorize(series)
    converted = np.array(
        [*(convert(_python_value(value)) for value in uniques), missing], dtype=object
    )
    # factorize marks an empty cell with code -1, which picks ``missing``, the last entry.
    return converted[codes].tolist()


def _python_value(value: object) -> object:
    """A frame cell as the schema holds it: None for missing, dates as dates, Source models."""
    if isinstance(value, pd.Timestamp):
        # The frame keeps calendar dates as naive timestamps and the one instant (added_at) in UTC.
        return value.date() if value.tzinfo is None else value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (tuple, list)):
        if value and isinstance(value[0], Mapping):
            # The frame's sources were validated on load; building them again only to format
            # them would cost more than the rest of the export.
            return tuple(Source.model_construct(**item) for item in value)
        return tuple(value)
    return value


def _csv_cell(value: object) -> str:
    return neutralise_formula(to_csv_value(value))


def _json_value(value: object) -> object:
    """A schema value as JSON: ISO dates, lists for lists, sources as objects."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, tuple):
        return [
            item.model_dump(mode="json") if isinstance(item, Source) else item for item in value
        ]
    return to_csv_value(value)
