"""Frame cells back to the schema's Python values, shared by every export format.

The frame ``store.incidents_frame`` builds keeps dates as timestamps, counts as
floats and sources as an Arrow list column; each export writes the schema's own values, so
these helpers undo that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dashboard.schema import COUNT_COLUMNS, Source


def schema_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """The frame's column with the schema's type where pandas changed it."""
    # A count column with an empty cell is float64 in the frame: exported as it is, 3 killed
    # would read "3.0", which the schema (rightly) refuses as a count on re-import.
    if column in COUNT_COLUMNS:
        return frame[column].astype("Int64")
    return frame[column]


def column_values(series: pd.Series, convert: Callable[[object], Any], *, missing: Any) -> list:
    """``convert`` of each cell's schema value, or ``missing`` where the cell is empty."""
    if series.dtype == object or isinstance(series.dtype, pd.ArrowDtype):
        # Lists and sources (an Arrow list column): converted cell by cell, so no two rows
        # share one mutable value.
        return [
            convert(value) if value is not None else missing for value in map(python_value, series)
        ]
    # Dates, vocabularies, numbers and text repeat a lot: convert each distinct value once.
    codes, uniques = pd.factorize(series)
    converted = np.array(
        [*(convert(python_value(value)) for value in uniques), missing], dtype=object
    )
    # factorize marks an empty cell with code -1, which picks ``missing``, the last entry.
    return converted[codes].tolist()


def python_value(value: object) -> object:
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
