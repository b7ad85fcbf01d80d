"""Formula-safe CSV of a (filtered) incident frame.

Every schema column, in the schema's order, with the schema's own cell formats, so an exported
CSV imports back unchanged (apart from neutralised cells, see ``neutralise_formula``).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from dashboard.exports.cells import column_values, schema_column
from dashboard.schema import COLUMNS, to_csv_value

# Cells a spreadsheet would read as a formula (OWASP "CSV Injection"; ASVS 1.2.10 adds NUL).
# Line feed is added for spreadsheets that treat it like carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# A cell that is only a number is read as that number, never as a formula: -66.9 is a longitude.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


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
        column_values(schema_column(frame, column), _csv_cell, missing="") for column in COLUMNS
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: object) -> str:
    return neutralise_formula(to_csv_value(value))
