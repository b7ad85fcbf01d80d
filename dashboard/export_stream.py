"""Exports written a batch of the incident file at a time, so a large file is never held whole.

The export of 1,000,000 incidents built the whole frame and then every cell of the output at
once (6.6 GB). Here the file is read and validated in batches (bulk_load.iter_validated_batches),
each batch filtered and written, and only one batch is in memory. The bytes are those of
exports.csv_file.to_csv_bytes and exports.geojson.to_geojson_bytes over the whole filtered frame
(a test compares them). A file the batch reader cannot read goes the whole-frame way instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from dashboard import bulk_load, store
from dashboard.errors import FieldProblem
from dashboard.exports.csv_file import to_csv_bytes
from dashboard.exports.geojson import iter_features, to_geojson_bytes
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.schema import COLUMNS

# Smaller batches than a load's: an export holds only one, and its Python values (sources,
# cells of the output) are most of its memory. 4 MB: 1,000,000 rows exported in about 0.3 GB
# (CSV) and 0.33 GB (GeoJSON), of which about 0.13 GB is the imports alone.
BATCH_BYTES = 4 << 20
# json.dumps's own separators, so the streamed collection is byte for byte the whole one.
_GEOJSON_START = b'{"type": "FeatureCollection", "features": ['
_GEOJSON_END = b"]}\n"


def export_incidents(
    path: Path, export_format: str, incident_filter: IncidentFilter, out: BinaryIO
) -> tuple[int, tuple[FieldProblem, ...]]:
    """Write the incidents of ``path`` that pass the filter to ``out``; their count and problems.

    ``out`` must be seekable: when the batch reader gives up part way, what it wrote is
    discarded and the export is written again from the whole frame.
    """
    start = out.tell()
    batches = bulk_load.iter_validated_batches(path, batch_bytes=BATCH_BYTES)
    if batches is not None:
        try:
            return _export_batches(path, batches, export_format, incident_filter, out)
        except bulk_load.ReadLineByLineError:
            out.seek(start)
            out.truncate()
    result = store.load_incidents(path)
    frame = filter_incidents(result.incidents, incident_filter)
    out.write(_WHOLE[export_format](frame))
    return len(frame), result.problems


_WHOLE: dict[str, Callable[[pd.DataFrame], bytes]] = {
    "csv": to_csv_bytes,
    "geojson": to_geojson_bytes,
}


def _export_batches(
    path: Path,
    batches: Iterator[tuple[dict[str, list[object]], list[FieldProblem]]],
    export_format: str,
    incident_filter: IncidentFilter,
    out: BinaryIO,
) -> tuple[int, tuple[FieldProblem, ...]]:
    reviews, review_problems = store._load_reviews(store.reviews_path(path))
    problems: list[FieldProblem] = []
    count = 0
    is_first = True
    if export_format == "geojson":
        out.write(_GEOJSON_START)
    for values, batch_problems in batches:
        problems.extend(batch_problems)
        frame = bulk_load._with_reviews(store._typed_frame(values, ()), reviews)
        if frame.empty:
            continue
        shown = filter_incidents(frame, incident_filter)
        if shown.empty:
            continue
        if export_format == "csv":
            payload = to_csv_bytes(shown)
            # Every batch's text starts with the header row; only the first keeps it.
            out.write(payload if is_first else payload[payload.index(b"\r\n") + 2 :])
        else:
            _write_features(shown, out, is_first=is_first)
        is_first = False
        count += len(shown)
    if export_format == "geojson":
        out.write(_GEOJSON_END)
    elif is_first:  # nothing passed the filter: the header row alone
        out.write(to_csv_bytes(store._typed_frame({name: [] for name in COLUMNS})))
    return count, (*problems, *review_problems)


def _write_features(frame: pd.DataFrame, out: BinaryIO, *, is_first: bool) -> None:
    """The frame's features, each written as soon as it is made, comma-separated."""
    # Not the batch's features joined first: its list of dicts and its text were held at once.
    for index, feature in enumerate(iter_features(frame)):
        if index or not is_first:
            out.write(b", ")
        out.write(json.dumps(feature, ensure_ascii=False, allow_nan=False).encode("utf-8"))
