"""The incident file read and validated a column at a time with Arrow, and its parsed copy cached.

``store.load_incidents`` reads line by line and validates each column's distinct cells with the
schema's field validators: 6 s at 100,000 rows, most of it cells that never repeat (ids,
summaries, sources). Here pyarrow's CSV reader reads the file and its compute functions accept,
in bulk, the cells whose value is plainly what the schema would make of them (a vocabulary
word, a date that prints back the same, an IMO number whose check digit adds up, text that
cleaning would not change). Accepting is all they do: every cell they do not accept goes to its
field's own validator, and every row that any validator rejects goes to the schema's full row
validation, so the frame and the problem list are the ones the line-by-line path gives (a test
loads the suite's corrupt files both ways). A file the fast reader cannot read exactly as
Python's ``csv`` module would (a quote out of place, a line break inside a cell, a broken or
torn line, a byte order mark, carriage returns) is left to the line-by-line path.

The parsed result is cached beside the file as Parquet, keyed on the file's size, modification
time and a hash of its head and tail, and on this code: a restart reads it back in a fraction
of the parse. An append changes the size, so the next load parses again and replaces it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from pydantic import ValidationError

from dashboard import schema, store
from dashboard.errors import FieldProblem, IncidentValidationError, InterdictionTrackerError
from dashboard.identifiers import IMO_WEIGHTS
from dashboard.memory import release_freed_memory
from dashboard.schema import (
    COLUMNS,
    LIST_SEPARATOR,
    MAX_NOTES_CHARS,
    MAX_SHORT_TEXT_CHARS,
    MAX_SUMMARY_CHARS,
    VOCABULARIES,
    EventType,
    validate_incident,
)

# Set to "off" to read every file line by line (and neither read nor write the cache).
BULK_ENV = "INTERDICTION_TRACKER_BULK_LOAD"
CACHE_SUFFIX = ".parsed.parquet"
# How much of the file's head and tail the cache key hashes: an edit that keeps the size and
# the modification time (a restored backup) still changes one of them in practice.
KEY_SPAN_BYTES = 64 * 1024
# The quote scan looks at this much of the file at a time (its masks cost a byte per byte).
SCAN_SLICE_BYTES = 8 << 20
# Arrow reads and the columns are validated this much of the file at a time.
BATCH_BYTES = 16 << 20
# What the bulk path accepts is deliberately narrower than what the schema allows (anything
# else still reaches the schema's own validators). These bounds keep it narrower than the
# stricter schema being prepared for issue 10 too, so that change cannot make the two paths
# disagree: ids of at most 9 digits, nothing before 1900, counts up to a million, at most 20
# list items or sources, URLs up to 2,000 characters, text already in NFC.
_ID = r"^INC-\d{4,9}$"
_EARLIEST = dt.date(1900, 1, 1)
_MAX_COUNT_DIGITS = 6
_MAX_ITEMS = 20
_MAX_URL_CHARS = 2000
# Characters that cleaning (collapse white space, drop controls and invisible characters) or
# stripping would change, and the separator of list cells: text without them, single-spaced,
# is stored as it is.
_CHANGED_BY_CLEANING = (
    r"\x00-\x20\x7f-\xa0\x{ad}\x{61c}\x{1680}\x{2000}-\x{200f}\x{2028}-\x{202f}\x{205f}-\x{206f}"
    r"\x{3000}\x{feff}"
)
_CLEAN_WORDS = rf"[^{_CHANGED_BY_CLEANING}]+(?: [^{_CHANGED_BY_CLEANING}]+)*"
_CLEAN_TEXT = rf"^{_CLEAN_WORDS}$"
_LIST_ITEM = rf"[^{_CHANGED_BY_CLEANING};]+(?: [^{_CHANGED_BY_CLEANING};]+)*"
_CLEAN_LIST = rf"^{_LIST_ITEM}(?:{LIST_SEPARATOR}{_LIST_ITEM})*$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_COORDINATE = r"^-?\d{1,3}(?:\.\d{1,12})?$"
_COUNT = rf"^(?:0|[1-9]\d{{0,{_MAX_COUNT_DIGITS - 1}}})$"
_MMSI = r"^[2-7]\d{8}$"
_IMO = r"^\d{7}$"
# A URL that urlsplit reads as http(s) with a host, and that cleaning leaves alone.
_URL = r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:[/?#][\x21-\x7e]*)?$"
_SOURCE_KEYS = store.SOURCE_KEYS
_INSTANT_TYPE = pa.timestamp("us", tz="UTC")
# Sources as the JSON text spells them (dates as text); the frame's type is store.SOURCES_TYPE.
_SOURCES_JSON_TYPE = pa.list_(pa.struct([(key, pa.string()) for key in _SOURCE_KEYS]))
# A JSON object key's end (a quote, then a colon), and one whose value is text. Inside a text
# value a quote is escaped, so these can only count too many, never too few: a miscount sends
# the cell to its validator.
_MEMBER = r'"\s*:'
_TEXT_MEMBER = r'"\s*:\s*"'


def load_incidents_bulk(path: Path) -> store.LoadResult | None:
    """The file's LoadResult, from the cache or read in bulk; None when it must go line by line."""
    if os.environ.get(BULK_ENV, "on").strip().lower() in {"off", "0", "false", "no"}:
        return None
    try:
        key = _cache_key(path)
    except OSError:
        return None  # the line-by-line path words a missing or unreadable file for people
    reviews, review_problems = store._load_reviews(store.reviews_path(path))
    cached = _cached_or_parsed(path, key)
    if cached is None:
        return None
    frame, problems = cached
    return store.LoadResult(_with_reviews(frame, reviews), (*problems, *review_problems))


def _cached_or_parsed(path: Path, key: str) -> tuple[pd.DataFrame, tuple[FieldProblem, ...]] | None:
    """The parsed copy for ``key``, or the file parsed in bulk and cached; None when it must be
    read line by line."""
    cached = _read_cache(path, key)
    if cached is None:
        with store._cyclic_gc_paused():
            cached = _parse(path)
        if cached is not None:
            _write_cache(path, key, *cached)
    # What parsing and writing the copy freed (1,000,000 incidents: about 0.2 GB), handed back
    # before the first page's feeds and map are built on top of the frame.
    release_freed_memory()
    return cached


def read_incidents_bulk(
    path: Path,
) -> tuple[dict[str, Sequence[object]], list[FieldProblem], store.FileCursor] | None:
    """store.read_incidents_since(path) from the start, from the cache or read in bulk.

    The incidents by column (a typed frame's columns, which store.typed_incidents takes as
    they are), their problems and the cursor at the file's end; None when the file must be read
    line by line (or changed while it was read).
    """
    if os.environ.get(BULK_ENV, "on").strip().lower() in {"off", "0", "false", "no"}:
        return None
    try:
        before = path.stat()
        key = _cache_key(path)
    except OSError:
        return None
    cached = _cached_or_parsed(path, key)
    if cached is None:
        return None
    frame, problems = cached
    try:
        with path.open("rb") as handle:
            after = os.fstat(handle.fileno())
            handle.seek(max(0, after.st_size - store.CURSOR_TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return None
    if (after.st_ino, after.st_size, after.st_mtime_ns) != (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    ):
        return None  # appended to while it was read: the line-by-line reader takes it from here
    # Every record ends in a line break (the bulk path reads no other file): the next record is
    # on the line after the last; header and records are the frame's rows plus the bad lines.
    lines = _line_count(path)
    cursor = store.FileCursor(after.st_ino, after.st_size, lines + 1, tail)
    return {name: frame[name] for name in COLUMNS}, list(problems), cursor


def _line_count(path: Path) -> int:
    """The number of lines of ``path`` (line breaks), read in slices."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_SLICE_BYTES):
            count += chunk.count(b"\n")
    return count


# --- reading --------------------------------------------------------------------------------


def _parse(path: Path) -> tuple[pd.DataFrame, tuple[FieldProblem, ...]] | None:
    """The frame (reviews not applied) and problems of ``path``, or None if Arrow cannot read it."""
    batches = _compact_batches(path, BATCH_BYTES)
    if batches is None:
        return None
    parts: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    problems: list[FieldProblem] = []
    try:
        for compact, batch_problems in batches:
            for name in COLUMNS:
                parts[name].append(compact[name])
            problems.extend(batch_problems)
    except ReadLineByLineError:
        return None
    # Each column's parts are let go as it is joined: holding them all to the end doubled the
    # peak (1,000,000 incidents: the frame's 0.8 GB twice).
    columns = {}
    for name in COLUMNS:
        columns[name] = _joined(name, parts.pop(name))
        release_freed_memory()  # the column's parts, before the next is joined
    # Text and sources are already one piece each (_joined), so no in_one_chunk here.
    return store._typed_frame(columns, ()), tuple(problems)


_REQUIRED_TEXT = frozenset(store._REQUIRED_TEXT)
_OPTIONAL_TEXT = frozenset(
    {"vessel_name", "imo", "mmsi", "flag", "registry", "sanctions", "announced_by", "notes"}
)
_COUNTS = frozenset(schema.COUNT_COLUMNS)


def _compact(name: str, column: Column) -> Any:
    """One batch's values of one column in the compact form the frame will hold them in."""
    # Each batch's cells become compact arrays at once, so that no Python string or date of
    # the batch outlives it (at 1,000,000 rows they would be gigabytes); only the lists of
    # names stay Python values, as the frame holds them.
    if isinstance(column, PatchedArrowColumn):
        return _compact_arrow(name, column.to_arrow())
    if name in _TUPLE_COLUMNS:
        return column
    if name == "sources":
        return pa.array(column, type=store.SOURCES_TYPE)
    return _compact_arrow(name, pa.array(column, type=_ARROW_TYPES.get(name)))


_ARROW_TYPES = {
    **dict.fromkeys(("date", "end_date"), pa.date32()),
    "added_at": _INSTANT_TYPE,
    **dict.fromkeys(("latitude", "longitude"), pa.float64()),
    **dict.fromkeys(_COUNTS, pa.int64()),
}


def _compact_arrow(name: str, values: pa.Array) -> Any:
    """One batch's column, read as Arrow values, in the frame's compact form."""
    if name in VOCABULARIES:
        categories = pa.array([member.value for member in VOCABULARIES[name]])
        codes = pc.fill_null(pc.index_in(values.cast(pa.string()), value_set=categories), -1)
        return np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int8)
    if name in _REQUIRED_TEXT:
        return pd.array(values.cast(pa.string()), dtype="string")
    if name in _OPTIONAL_TEXT:
        return pd.array(values.cast(pa.string()), dtype="str")
    if name in ("date", "end_date"):
        return pc.cast(values, pa.timestamp("s")).to_numpy(zero_copy_only=False)
    if name == "added_at":
        return pd.array(values.cast(_INSTANT_TYPE))
    if name in ("latitude", "longitude"):
        return values.cast(pa.float64()).to_numpy(zero_copy_only=False)
    # Counts and sources stay Arrow until the batches are joined.
    return values


def _joined(name: str, parts: list[Any]) -> Any:
    """One column from its batches' compact parts, as store._typed_frame takes it."""
    # A column with nothing in it at all stays a list of None, as the line-by-line path has it
    # (pandas types such a column differently).
    if not parts or all(_is_empty_part(part) for part in parts):
        return [None] * sum(len(part) for part in parts)
    if name in VOCABULARIES:
        categories = [member.value for member in VOCABULARIES[name]]
        return pd.Categorical.from_codes(np.concatenate(parts), categories=categories)
    if name in _REQUIRED_TEXT or name in _OPTIONAL_TEXT or name == "added_at":
        series = [pd.Series(part, copy=False) for part in parts if len(part)]
        # Joined in one piece here, a column at a time, rather than the whole frame's text
        # at the end (store.in_one_chunk): that held every text column twice at once.
        return store.array_in_one_chunk(pd.concat(series, ignore_index=True).array)
    if name in ("date", "end_date", "latitude", "longitude"):
        return np.concatenate(parts)
    if name == "sources":
        sources = store.sources_column(pa.chunked_array(parts, type=store.SOURCES_TYPE))
        return store.array_in_one_chunk(sources)
    if name in _COUNTS:
        # int64, or float64 with NaN where a count is empty: what pandas makes of the values.
        return pa.chunked_array(parts, type=pa.int64()).to_numpy()
    return list(itertools.chain.from_iterable(parts))


def _is_empty_part(part: Any) -> bool:
    """Whether a batch's part of a column holds no value at all (every row empty)."""
    if isinstance(part, list):
        return all(value is None for value in part)
    if isinstance(part, pa.Array):  # counts and sources
        return part.null_count == len(part)
    if isinstance(part, np.ndarray) and part.dtype.kind in "iu":  # category codes
        return not len(part)
    return bool(pd.isna(part).all())


class ReadLineByLineError(InterdictionTrackerError):
    """Arrow's reader met a row Python's csv reads otherwise (the wrong width): read by line."""


def iter_validated_batches(
    path: Path, *, batch_bytes: int | None = None
) -> Iterator[tuple[dict[str, Any], list[FieldProblem]]] | None:
    """The file's valid rows by column, a batch at a time, with each batch's problems.

    The columns are as store._typed_frame takes them. None when the file must be read line by
    line; a batch may still raise ReadLineByLineError, after which nothing read so far counts.
    Holds one batch in memory, not the file.
    """
    batches = _compact_batches(path, batch_bytes or BATCH_BYTES)
    if batches is None:
        return None
    return (
        ({name: _joined(name, [part]) for name, part in compact.items()}, problems)
        for compact, problems in batches
    )


def _compact_batches(
    path: Path, batch_bytes: int
) -> Iterator[tuple[dict[str, Any], list[FieldProblem]]] | None:
    """The file's valid rows a batch at a time, each column in its compact form (_compact)."""
    header = _header(path)
    if header is None:
        return None
    return (
        ({name: _compact(name, column) for name, column in values.items()}, problems)
        for values, problems in _batches(path, header, batch_bytes)
    )


def _header(path: Path) -> list[str] | None:
    """The file's header, if its first line is one the bulk path reads."""
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except OSError:
        return None  # the line-by-line path words a missing or unreadable file for people
    if not first.endswith(b"\n") or first.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        header_line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # The store's own header check, with its own words for a header that does not match.
    header, _rows = store._csv_rows([header_line], columns=COLUMNS, name=str(path))
    return header


def _data_lines(path: Path) -> int | None:
    """The number of data lines, if Arrow will read the file as csv does; else None."""
    lines = 0
    with contextlib.suppress(OSError):
        for block in _line_blocks(path, SCAN_SLICE_BYTES):
            if (
                not block.endswith(b"\n")  # the last line has no line break: a torn write
                or block.startswith(b"\n")  # a blank line: Arrow reads empty cells, csv skips it
                or b"\n\n" in block
                or b"\r" in block
                or b"\0" in block
                or _slice_has_quote_out_of_place(block, 0, len(block))
            ):
                return None
            lines += block.count(b"\n")
        return lines
    return None  # unreadable


_END = object()


def _read_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, the next one made in a background thread while the caller uses this one."""
    # Arrow's CSV reader parses without the GIL: with a second core, the next batch is read
    # while this one is validated.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, items, _END)
        while (item := pending.result()) is not _END:
            pending = pool.submit(next, items, _END)
            yield item


def _batches(
    path: Path, header: list[str], batch_bytes: int
) -> Iterator[tuple[dict[str, Any], list[FieldProblem]]]:
    """Validated batches of ``path``, as _validate_table gives them.

    The file is checked for what Arrow would read otherwise than csv (_data_lines) in a
    background thread while the batches are read; when it fails, ReadLineByLineError ends the
    batches, whatever they were.
    """
    first_lines = _FirstLines()
    next_line = 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        data_lines = pool.submit(_data_lines, path)
        try:
            for table in _read_ahead(_parsed_blocks(path, header, batch_bytes)):
                # Each record on a line of its own: row i of the batch is on line next_line + i.
                lines = np.arange(next_line, next_line + table.num_rows)
                next_line += table.num_rows
                validated = _validate_table(table, header, lines, first_lines)
                if data_lines.done() and data_lines.result() is None:
                    break  # stop early: the file goes line by line
                yield validated
                del validated
                # What validating the batch freed, handed back before the next: otherwise the
                # C library keeps it scattered between what the caller keeps (a load of
                # 1,000,000 incidents peaked 0.5 GB higher).
                release_freed_memory()
        except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as error:
            # A row of the wrong width, a cell that is not UTF-8: reported line by line.
            raise ReadLineByLineError(str(error)) from None
        except Exception:
            if data_lines.result() is None:  # read as it should not have been: no bug of ours
                raise ReadLineByLineError("read otherwise than csv reads it") from None
            raise
        expected = data_lines.result()
    if expected is None:
        raise ReadLineByLineError("Arrow and csv could read this file differently")
    if next_line - 2 != expected:
        raise ReadLineByLineError(f"read {next_line - 2} rows of {expected} lines")


def _parsed_blocks(path: Path, header: list[str], batch_bytes: int) -> Iterator[pa.Table]:
    """The file's data lines as tables of text cells, about ``batch_bytes`` of lines each."""
    read_options = pa_csv.ReadOptions(column_names=header)
    parse_options = pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False)
    convert_options = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    for block in _line_blocks(path, batch_bytes):
        # Each block parsed on its own rather than by pa_csv.open_csv: Arrow's streaming
        # reader may read up to 32 blocks ahead in the background, about 128 MB of a
        # streamed export's 4 MB blocks; _read_ahead holds one block ahead instead.
        yield pa_csv.read_csv(
            pa.py_buffer(block),
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )


def _line_blocks(path: Path, batch_bytes: int) -> Iterator[bytes]:
    """The data lines of ``path`` (the header skipped), about ``batch_bytes`` at a time.

    Each block ends at a line break (_data_lines checks that every one ends a record), except
    the last if the file ends in a torn line.
    """
    with path.open("rb") as handle:
        handle.readline()
        carry = b""
        while chunk := handle.read(batch_bytes):
            chunk = carry + chunk
            cut = chunk.rfind(b"\n") + 1
            block, carry = chunk[:cut], chunk[cut:]
            if block:
                yield block
        if carry:
            yield carry


def _slice_has_quote_out_of_place(data: bytes, start: int, end: int) -> bool:
    """Whether lines ``data[start:end]`` hold a quote where csv and Arrow could differ."""
    # Python's csv refuses a closing quote followed by anything but a delimiter or a line end;
    # Arrow's reader carries on. Such a quote ends a run of quotes that is odd after an ordinary
    # character (inside a cell), or even at the start of a cell, and is followed by an ordinary
    # character. (A quote inside an unquoted cell looks the same; both readers agree on it, but
    # it goes line by line too.) Found with numpy over the quotes' positions: a regular
    # expression over the whole file takes several times longer.
    # The slice with a line end before it (the file's start, or the last slice's end).
    buffer = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    quotes = np.flatnonzero(buffer == ord('"'))
    if not len(quotes):
        return False
    breaks = np.flatnonzero(np.diff(quotes) != 1)
    starts = quotes[np.concatenate([[0], breaks + 1])]
    ends = quotes[np.concatenate([breaks, [len(quotes) - 1]])]
    lengths = ends - starts + 1
    line_end = ord("\n")
    before = np.where(starts > 0, buffer[np.maximum(starts - 1, 0)], line_end)
    last = len(buffer) - 1
    after = np.where(ends < last, buffer[np.minimum(ends + 1, last)], line_end)
    delimiters = np.array([ord(","), line_end], dtype=np.uint8)
    opens_cell = np.isin(before, delimiters)
    ordinary_after = ~np.isin(after, delimiters)
    odd = (lengths % 2) == 1
    return bool(np.any(ordinary_after & np.where(opens_cell, ~odd, odd)))


class _FirstLines:
    """The line of every id met so far in a file read in batches, to find duplicates with.

    Held as two sorted arrays (each id's UTF-8 bytes, and its line) rather than a dict: at
    1,000,000 ids a dict and its strings and ints added about 90 MB to a streamed export's
    peak; the arrays are about 20 MB (ids are INC- and at most nine digits). Adding a batch
    copies the arrays (about 2 s in all at 1,000,000 ids), a small part of the minute it takes.
    """

    def __init__(self) -> None:
        self._ids = np.array([], dtype="S1")
        self._lines = np.array([], dtype=np.int64)

    def of(self, ids: Sequence[object]) -> dict[object, int]:
        """The first line of each of ``ids`` met before: usually none at all."""
        if not len(self._ids) or not ids:
            return {}
        keys = self._keys(ids)
        positions = np.minimum(np.searchsorted(self._ids, keys), len(self._ids) - 1)
        found = np.flatnonzero(self._ids[positions] == keys).tolist()
        return {ids[i]: int(self._lines[positions[i]]) for i in found}

    def add(self, ids: Sequence[object], lines: Sequence[int]) -> None:
        """Remember ``ids`` (none of them met before) and their lines."""
        if not ids:
            return
        keys = self._keys(ids)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        at = np.searchsorted(self._ids, keys)
        self._ids = np.insert(self._ids, at, keys)
        self._lines = np.insert(self._lines, at, np.asarray(lines, dtype=np.int64)[order])

    def _keys(self, ids: Sequence[object]) -> np.ndarray:
        """``ids`` as bytes as wide as the stored ones, widened first if any is wider."""
        keys = np.array([str(value).encode("utf-8") for value in ids], dtype=np.bytes_)
        # Never narrowed: a cut key could match another id (no id holds a NUL byte, which
        # the fixed-width bytes would drop).
        if keys.itemsize > self._ids.itemsize:
            self._ids = self._ids.astype(keys.dtype)
        return keys.astype(self._ids.dtype)


def _validate_table(
    table: pa.Table, header: Sequence[str], lines: np.ndarray, first_lines: _FirstLines
) -> tuple[dict[str, Column], list[FieldProblem]]:
    """The valid rows' values by column (as model_dump gives them) and every problem, by line.

    ``first_lines`` holds the line of each id met in earlier batches; this batch's are added.
    """
    count = table.num_rows
    rules = store._column_rules()
    values: dict[str, Column] = {}
    rejected = np.zeros(count, dtype=bool)
    for name in COLUMNS:
        cells = table.column(name).combine_chunks() if count else pa.array([], pa.string())
        accepted, column = _ACCEPT.get(name, _accept_nothing)(name, cells)
        accepted = np.asarray(accepted, dtype=bool)
        if not accepted.all():
            if rules is None:
                rejected |= ~accepted
            else:
                rejected |= _validate_rest(
                    cells, accepted, column, rules.validators[name], rules.serializers[name]
                )
        values[name] = column
    rejected |= ~_passes_row_rules(values, rules)
    problems: list[FieldProblem] = []
    for index in np.flatnonzero(rejected).tolist():
        record = {name: table.column(name)[index].as_py() for name in header}
        try:
            incident = validate_incident(record, line=int(lines[index]))
        except IncidentValidationError as error:
            problems.extend(error.problems)
            continue
        # Accepted as a whole after all: the model's judgement is the one that counts.
        rejected[index] = False
        for name, value in incident.model_dump().items():
            values[name][index] = value
    kept_lines = lines[~rejected].tolist()
    if rejected.any():
        kept = np.flatnonzero(~rejected).tolist()
        values = {name: _take(column, kept) for name, column in values.items()}
    ids = _as_arrow(values["id"]).to_pylist()
    duplicates = store._duplicate_ids(ids, kept_lines, problems, first_lines.of(ids))
    unique = [index for index in range(len(ids)) if index not in duplicates]
    first_lines.add([ids[i] for i in unique], [kept_lines[i] for i in unique])
    if duplicates:
        values = {name: _take(column, unique) for name, column in values.items()}
    problems.sort(key=lambda problem: problem.line or 0)
    return values, problems


class PatchedArrowColumn:
    """A column read as one Arrow array, some of whose cells a validator has since filled in.

    It takes the place of a column's list of values: the Arrow array is kept as it is read, and
    only the cells a validator filled in (a handful, in a clean file) are Python values.
    """

    def __init__(self, array: pa.Array, patches: dict[int, object] | None = None) -> None:
        self._array = array
        self._patches = patches if patches is not None else {}

    def __len__(self) -> int:
        return len(self._array)

    def __setitem__(self, index: int, value: object) -> None:
        self._patches[index] = value

    def take(self, indices: Sequence[int]) -> PatchedArrowColumn:
        """The column of the cells at ``indices``, in that order."""
        patches = {
            new: self._patches[old] for new, old in enumerate(indices) if old in self._patches
        }
        return PatchedArrowColumn(self._array.take(pa.array(indices, pa.int64())), patches)

    def to_arrow(self) -> pa.Array:
        """One Arrow array of every cell, the filled-in ones converted."""
        if not self._patches:
            return self._array
        values = list(self._patches.values())
        if pa.types.is_string(self._array.type):  # vocabulary members are their words
            values = [None if value is None else str(value) for value in values]
        patched = pa.array(values, type=self._array.type)
        positions = np.arange(len(self._array))
        positions[list(self._patches)] = len(self._array) + np.arange(len(self._patches))
        return pa.concat_arrays([self._array, patched]).take(pa.array(positions))


# A batch's column of values: a list (names, and what only validators read), or Arrow's.
Column = list[object] | PatchedArrowColumn


def _as_arrow(column: Column) -> pa.Array:
    """The column as one Arrow array."""
    if isinstance(column, PatchedArrowColumn):
        return column.to_arrow()
    return pa.array(column)


def _take(column: Column, indices: Sequence[int]) -> Any:
    """The cells of ``column`` at ``indices``."""
    if isinstance(column, PatchedArrowColumn):
        return column.take(indices)
    return [column[index] for index in indices]


def _validate_rest(
    cells: pa.Array, accepted: np.ndarray, column: Column, validator: Any, serializer: Any
) -> np.ndarray:
    """Which rows the field validator rejects among those not accepted in bulk; fills ``column``."""
    # Each distinct cell once, as the line-by-line path does, dumped by the field's own
    # serializer into what model_dump gives.
    rejected = np.zeros(len(accepted), dtype=bool)
    outcome: dict[str, object] = {}
    texts = cells.to_pylist()
    for index in np.flatnonzero(~accepted).tolist():
        text = texts[index]
        if text not in outcome:
            try:
                outcome[text] = serializer.to_python(validator.validate_python(text))
            except ValidationError:
                outcome[text] = _REJECTED
        value = outcome[text]
        if value is _REJECTED:
            rejected[index] = True
        else:
            column[index] = value
    return rejected


_REJECTED = object()


def _passes_row_rules(values: Mapping[str, list[object]], rules: Any) -> np.ndarray:
    """Whether each row passes the model's cross-field rules (end ≥ start; only strikes unnamed)."""
    count = len(values["id"])
    if rules is None or [rule.__name__ for rule in rules.row_rules] != ["_cross_field_rules"]:
        # The schema's rules changed shape: let every row be validated whole.
        return np.zeros(count, dtype=bool)
    dates, ends = _as_arrow(values["date"]), _as_arrow(values["end_date"])
    end_ok = _mask(pc.is_null(ends)) | _mask(pc.greater_equal(ends, dates))
    unnamed = _mask(pc.is_null(_as_arrow(values["vessel_name"])))
    strike = _mask(pc.equal(_as_arrow(values["event_type"]), EventType.STRIKE.value))
    return end_ok & (~unnamed | strike)


# --- accepting cells in bulk ------------------------------------------------------------------
# Each returns a boolean mask of the cells it accepts and the column of values, as model_dump
# gives them, with those cells filled (the others are None until their validator fills them).


def _accept_nothing(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    del name
    return np.zeros(len(cells), dtype=bool), [None] * len(cells)


def _mask(condition: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def _is_clean(cells: pa.Array, max_chars: int, pattern: str = _CLEAN_TEXT) -> np.ndarray:
    """Which cells are text that cleaning leaves as it is, in NFC, of at most ``max_chars``."""
    return (
        _mask(pc.match_substring_regex(cells, pattern))
        & _mask(pc.less_equal(pc.utf8_length(cells), max_chars))
        & _mask(pc.equal(pc.utf8_normalize(cells, "NFC"), cells))
    )


def _text(max_chars: int, *, optional: bool) -> Callable[..., tuple[np.ndarray, Column]]:
    def accept(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
        del name
        accepted = _is_clean(cells, max_chars)
        if not optional:
            return accepted, PatchedArrowColumn(cells)
        empty = _mask(pc.equal(cells, ""))
        return accepted | empty, _emptied(cells, empty)

    return accept


def _matching(
    pattern: str,
    check: Callable[[pa.Array], np.ndarray] | None = None,
    *,
    optional: bool = True,
) -> Any:
    """Text accepted as it is when it matches ``pattern`` (and ``check``); empty is None."""

    def accept(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
        del name
        accepted = _mask(pc.match_substring_regex(cells, pattern))
        if check is not None:
            accepted &= check(cells)
        if not optional:
            return accepted, PatchedArrowColumn(cells)
        empty = _mask(pc.equal(cells, ""))
        return accepted | empty, _emptied(cells, empty)

    return accept


def _emptied(cells: pa.Array, empty: np.ndarray) -> PatchedArrowColumn:
    """``cells`` with the empty ones null (the schema's None)."""
    return PatchedArrowColumn(pc.if_else(pa.array(empty), pa.scalar(None, cells.type), cells))


def _imo_check_digit_adds_up(cells: pa.Array) -> np.ndarray:
    """Whether each 7-digit cell's last digit is its IMO check digit (others: False)."""
    padded = pc.utf8_rpad(pc.utf8_slice_codeunits(cells, 0, 7), 7, "0")
    digits = np.frombuffer(
        "".join(padded.to_pylist()).encode("ascii", "replace"), dtype=np.uint8
    ).reshape(-1, 7).astype(np.int64) - ord("0")
    total = digits[:, :6] @ np.array(IMO_WEIGHTS, dtype=np.int64)
    return (total % 10) == digits[:, 6]


@functools.cache
def _flag_codes() -> pa.Array:
    import pycountry

    return pa.array(
        [c.alpha_2 for c in pycountry.countries if schema.country_name(c.alpha_2) is not None]
    )


def _flag(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    del name
    accepted = _mask(pc.is_in(cells, value_set=_flag_codes()))
    empty = _mask(pc.equal(cells, ""))
    return accepted | empty, _emptied(cells, empty)


def _vocabulary(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    words = pa.array([member.value for member in VOCABULARIES[name]])
    # Kept as words: the frame makes a category of each value's text, member or word alike.
    return _mask(pc.is_in(cells, value_set=words)), PatchedArrowColumn(cells)


def _dates(cells: pa.Array, pattern: str, fmt: str) -> tuple[np.ndarray, pa.Array]:
    """Which cells are real dates or instants written in ``fmt``, and their parsed values."""
    parsed = pc.strptime(cells, format=fmt, unit="s", error_is_null=True)
    shape = _mask(pc.match_substring_regex(cells, pattern))
    # strptime rolls 30 February over into March: a real date keeps its written month and day.
    month, day = (
        pc.cast(pc.if_else(pa.array(shape), pc.utf8_slice_codeunits(cells, a, a + 2), "0"), "int64")
        for a in (5, 8)
    )
    same = pc.and_(pc.equal(pc.month(parsed), month), pc.equal(pc.day(parsed), day))
    return shape & _mask(same), parsed


def _in_range(days: pa.Array) -> np.ndarray:
    """Which days lie from 1900 to tomorrow (UTC): neither a slip of the year nor the future."""
    latest = dt.datetime.now(dt.UTC).date() + schema.FUTURE_SLACK
    return _mask(pc.less_equal(days, pa.scalar(latest, pa.date32()))) & _mask(
        pc.greater_equal(days, pa.scalar(_EARLIEST, pa.date32()))
    )


def _date(*, optional: bool) -> Any:
    def accept(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
        del name
        accepted, parsed = _dates(cells, _DATE, "%Y-%m-%d")
        days = pc.cast(parsed, pa.date32())
        accepted &= _in_range(days)
        if optional:
            accepted |= _mask(pc.equal(cells, ""))
        return accepted, PatchedArrowColumn(days)

    return accept


def _instant(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    del name
    accepted, parsed = _dates(cells, _INSTANT, "%Y-%m-%dT%H:%M:%SZ")
    # Microseconds, as the frame keeps the instants the schema gives.
    return accepted, PatchedArrowColumn(pc.cast(parsed, _INSTANT_TYPE))


def _coordinate(limit: int) -> Any:
    def accept(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
        del name
        accepted = _mask(pc.match_substring_regex(cells, _COORDINATE))
        numbers = pc.cast(pc.if_else(pa.array(accepted), cells, "0"), pa.float64())
        accepted &= _mask(pc.less_equal(pc.abs(numbers), limit))
        return accepted, PatchedArrowColumn(numbers)

    return accept


def _count(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    del name
    digits = _mask(pc.match_substring_regex(cells, _COUNT))
    empty = _mask(pc.equal(cells, ""))
    numbers = pc.cast(pc.if_else(pa.array(digits), cells, "0"), pa.int64())
    return digits | empty, _emptied(numbers, empty)


def _names(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    empty = _mask(pc.equal(cells, ""))
    listed = _is_clean(cells, MAX_SHORT_TEXT_CHARS, _CLEAN_LIST) & _mask(
        pc.less(pc.count_substring(cells, LIST_SEPARATOR), _MAX_ITEMS)
    )
    if name == "disputed_fields":
        listed[:] = False  # rare, and each name is checked against the schema: by its validator
    split: dict[str, tuple[str, ...]] = {"": ()}
    values = [
        split[text] if text in split else split.setdefault(text, tuple(text.split(LIST_SEPARATOR)))
        for text in cells.to_pylist()
    ]
    return empty | listed, values


def _sources(name: str, cells: pa.Array) -> tuple[np.ndarray, Column]:
    """Sources in the form the store writes (a JSON list of objects of strings), read by Arrow."""
    del name
    count = len(cells)
    values: list[object] = [None] * count
    if not count:
        return np.zeros(0, dtype=bool), values
    # Every cell as the list of one JSON object per line, for Arrow's JSON reader. A file where
    # any cell does not fit that form (not JSON, a value that is not text) leaves the whole
    # column to the field's validator: correct, only slower.
    lines = pc.binary_join_element_wise('{"s":', cells, "}\n", "").cast(pa.large_binary())
    # The values of a binary array lie end to end in one buffer: the JSON lines document.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset :]
    document = lines.buffers()[2][offsets[0] : offsets[len(lines)]]
    try:
        parsed = pa_json.read_json(
            pa.BufferReader(document),
            parse_options=pa_json.ParseOptions(
                explicit_schema=pa.schema([("s", _SOURCES_JSON_TYPE)]),
                unexpected_field_behavior="ignore",
            ),
        ).column("s")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.zeros(count, dtype=bool), values
    sources = parsed.combine_chunks() if parsed.num_chunks != 1 else parsed.chunk(0)
    if len(sources) != count:
        return np.zeros(count, dtype=bool), values
    flat = pc.list_flatten(sources)
    rows = np.asarray(pc.list_parent_indices(sources).to_numpy(zero_copy_only=False))
    outlet, title, url, published = (pc.struct_field(flat, [i]) for i in range(4))
    good = (
        _is_clean(outlet, MAX_SHORT_TEXT_CHARS)
        & (_mask(pc.is_null(title)) | _is_clean(title, MAX_SHORT_TEXT_CHARS))
        & _mask(pc.match_substring_regex(url, _URL))
        & _mask(pc.less_equal(pc.utf8_length(url), _MAX_URL_CHARS))
    )
    dated, parsed_dates = _dates(pc.fill_null(published, ""), _DATE, "%Y-%m-%d")
    good &= _mask(pc.is_null(published)) | (dated & _in_range(pc.cast(parsed_dates, pa.date32())))
    # Every member an object key with a text value, none left out, repeated, unknown or null:
    # the members the cell spells out are exactly those Arrow read.
    members = np.asarray(pc.count_substring_regex(cells, _MEMBER).to_numpy(), dtype=np.int64)
    texts = np.asarray(pc.count_substring_regex(cells, _TEXT_MEMBER).to_numpy(), dtype=np.int64)
    present = 2 + (~_mask(pc.is_null(title))).astype(np.int64) + (~_mask(pc.is_null(published)))
    expected = np.bincount(rows, weights=present, minlength=count).astype(np.int64)
    lengths = np.asarray(
        pc.fill_null(pc.list_value_length(sources), 0).to_numpy(zero_copy_only=False)
    )
    accepted = (
        ~_mask(pc.is_null(sources))
        & (lengths >= 1)
        & (lengths <= _MAX_ITEMS)
        & (members == expected)
        & (texts == members)
    )
    accepted[np.unique(rows[~good])] = False
    # The frame keeps sources as an Arrow column (store.SOURCES_TYPE): the accepted cells stay
    # the Arrow values read here, and only the others are filled in by their validator.
    days = pc.cast(parsed_dates, pa.date32())
    column = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(lengths)]), pa.int32()),
        pa.StructArray.from_arrays([outlet, title, url, days], names=list(_SOURCE_KEYS)),
        type=store.SOURCES_TYPE,
    )
    return accepted, PatchedArrowColumn(column)


_ACCEPT: dict[str, Callable[[str, pa.Array], tuple[np.ndarray, Column]]] = {
    "id": _matching(_ID, optional=False),
    "date": _date(optional=False),
    "end_date": _date(optional=True),
    **dict.fromkeys(VOCABULARIES, _vocabulary),
    "vessel_name": _text(MAX_SHORT_TEXT_CHARS, optional=True),
    "former_names": _names,
    "imo": _matching(_IMO, _imo_check_digit_adds_up),
    "mmsi": _matching(_MMSI),
    "flag": _flag,
    "registry": _text(MAX_SHORT_TEXT_CHARS, optional=True),
    "linked_to": _names,
    "sanctions": _text(MAX_SHORT_TEXT_CHARS, optional=True),
    "latitude": _coordinate(90),
    "longitude": _coordinate(180),
    "place": _text(MAX_SHORT_TEXT_CHARS, optional=False),
    "agency": _text(MAX_SHORT_TEXT_CHARS, optional=False),
    "announced_by": _text(MAX_SHORT_TEXT_CHARS, optional=True),
    "vessels_struck": _count,
    "killed": _count,
    "survivors": _count,
    "summary": _text(MAX_SUMMARY_CHARS, optional=False),
    "notes": _text(MAX_NOTES_CHARS, optional=True),
    "disputed_fields": _names,
    "sources": _sources,
    "added_at": _instant,
    "added_by": _text(MAX_SHORT_TEXT_CHARS, optional=False),
}


# --- reviews ------------------------------------------------------------------------------


def _with_reviews(frame: pd.DataFrame, reviews: Sequence[Any]) -> pd.DataFrame:
    """``frame`` with each reviewed incident's verification set by its latest review."""
    latest = {review.incident_id: review.decision for review in reviews}
    if not latest or frame.empty:
        return frame
    frame = frame.copy()
    current = frame["verification"]
    decided = [
        str(latest.get(incident_id, value))
        for incident_id, value in zip(frame["id"], current, strict=True)
    ]
    frame["verification"] = pd.Categorical(decided, categories=current.cat.categories)
    return frame


# --- the parsed copy beside the file ---------------------------------------------------------


def cache_path(path: Path) -> Path:
    """Where the parsed copy of ``path`` is kept: ``.incidents.csv.parsed.parquet`` beside it."""
    return path.with_name(f".{path.name}{CACHE_SUFFIX}")


def _code_version() -> str:
    """A hash of the code that decides what a file parses to (schema, store, this module)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("schema.py", "store.py", "bulk_load.py", "identifiers.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _cache_key(path: Path) -> str:
    """What the cached copy must have been made from: size, mtime, head and tail, and the code."""
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(KEY_SPAN_BYTES))
        handle.seek(max(0, stat.st_size - KEY_SPAN_BYTES))
        digest.update(handle.read(KEY_SPAN_BYTES))
    # Dates are judged against today (nothing in the future): a new day may change the result.
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest.hexdigest()}:{_code_version()}:{today}"


# The frame's columns of tuples (of names); sources are an Arrow column already.
_TUPLE_COLUMNS = ("former_names", "linked_to", "disputed_fields")


def _write_cache(
    path: Path, key: str, frame: pd.DataFrame, problems: Sequence[FieldProblem]
) -> None:
    """Keep the parsed frame beside ``path``; a directory that cannot be written is no error."""
    if frame.empty:
        return  # nothing to save, and an empty frame's columns do not keep their types
    target = cache_path(path)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        # Sources join as the Arrow column they are: pandas' metadata cannot name their type.
        # The tuple columns are built as Arrow lists directly: a Python list per cell for
        # pandas to convert added 0.22 GB to a first load's peak at 1,000,000 incidents.
        table = pa.Table.from_pandas(
            frame.drop(columns=[*_TUPLE_COLUMNS, "sources"]), preserve_index=False
        )
        for name in frame.columns:
            if name == "sources":
                column = pa.chunked_array(frame[name].array._pa_array, type=store.SOURCES_TYPE)
            elif name in _TUPLE_COLUMNS:
                column = pa.chunked_array([_list_array(frame[name])])
            else:
                continue
            table = table.add_column(frame.columns.get_loc(name), name, column)
        metadata = {
            **(table.schema.metadata or {}),
            b"interdiction_key": key.encode(),
            # Parquet has no seconds unit: each date column's unit is restored on reading.
            b"interdiction_dtypes": json.dumps(
                {
                    name: str(dtype)
                    for name, dtype in frame.dtypes.items()
                    if pd.api.types.is_datetime64_any_dtype(dtype)
                }
            ).encode(),
            b"interdiction_problems": json.dumps(
                [[p.field, p.reason, p.line] for p in problems]
            ).encode(),
        }
        pq.write_table(table.replace_schema_metadata(metadata), temporary, compression="zstd")
        temporary.replace(target)
    except (OSError, pa.ArrowException):
        with contextlib.suppress(OSError):
            temporary.unlink()


def _list_array(cells: pd.Series) -> pa.ListArray:
    """A column of tuples of text as one Arrow list of strings per row (_tuples reverses it)."""
    lengths = np.fromiter(map(len, cells), dtype=np.int32, count=len(cells))
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int32)])
    items = pa.array(list(itertools.chain.from_iterable(cells)), type=pa.string())
    return pa.ListArray.from_arrays(offsets, items)


def _tuples(column: pa.ChunkedArray) -> list[tuple[object, ...]]:
    """A list column of text as a tuple per row."""
    column = column.combine_chunks()
    if not pa.types.is_list(column.type):  # an empty frame's columns have no type
        return [None] * len(column)
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    items = pc.list_flatten(column).to_pylist()
    return [tuple(items[offsets[i] : offsets[i + 1]]) for i in range(len(column))]


def _read_cache(path: Path, key: str) -> tuple[pd.DataFrame, tuple[FieldProblem, ...]] | None:
    """The cached frame and problems if they were made from this very file, else None."""
    target = cache_path(path)
    try:
        metadata = pq.read_schema(target).metadata or {}
        if metadata.get(b"interdiction_key") != key.encode():
            return None
        # ParquetFile.read, not read_table: the latter splits each column into batches of
        # 128Ki rows, which in_one_chunk then copies whole (1,000,000 incidents: 0.57 GB more).
        table = pq.ParquetFile(target).read()
    except (OSError, pa.ArrowException):
        return None
    problems = tuple(
        FieldProblem(field, reason, line)
        for field, reason, line in json.loads(metadata[b"interdiction_problems"])
    )
    # Arrow's own conversion of the list columns makes numpy arrays (slow, and not the tuples
    # the frame holds): they are rebuilt from their flattened items instead.
    plain = table.drop_columns([*_TUPLE_COLUMNS, "sources"]).to_pandas()
    columns = {
        name: (
            store.sources_column(table.column(name))
            if name == "sources"
            else _tuples(table.column(name))
            if name in _TUPLE_COLUMNS
            else plain[name]
        )
        for name in table.column_names
    }
    frame = pd.DataFrame(columns, copy=False)
    dtypes = json.loads(metadata[b"interdiction_dtypes"])
    return store.in_one_chunk(frame.astype(dtypes)), problems
