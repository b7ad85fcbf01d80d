"""The incident file: load (good rows plus a report of bad ones), locked appends, reviews.

The file is the database. Appends never rewrite what is there: each one takes a file lock, writes
one whole line with a single ``write`` on an ``O_APPEND`` descriptor and fsyncs it, so concurrent
writers all land and a killed writer leaves at worst a torn last line, which the loader reports
and the next append fences off with a line break.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import io
import itertools
import os
import re
import stat
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from filelock import FileLock, Timeout
from pydantic import ValidationError
from pydantic_core import SchemaSerializer, SchemaValidator

from dashboard.errors import DataFileError, FieldProblem, IncidentValidationError
from dashboard.schema import (
    COLUMNS,
    REQUIRED_DRAFT_FIELDS,
    REVIEW_COLUMNS,
    VOCABULARIES,
    AddedVia,
    Incident,
    IncidentDraft,
    Review,
    Verification,
    format_incident_id,
    incident_number,
    to_csv_row,
    validate_draft,
    validate_incident,
    validate_review,
)

DATA_PATH_ENV = "INTERDICTION_TRACKER_DATA"
DEFAULT_DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "incidents.csv"
LOCK_TIMEOUT_SECONDS = 30
# How much of the file's end to read first to find the last id (more is read when needed).
TAIL_BYTES = 64 * 1024
# How many read lines the reader lets pile up before it frees them.
RELEASE_LINES = 5_000
_LEADING_ID = re.compile(rb"^\"?(INC-\d{4,})\"?,", re.MULTILINE)


def data_path() -> Path:
    """The incident file to use: ``$INTERDICTION_TRACKER_DATA`` or ``data/incidents.csv``."""
    configured = os.environ.get(DATA_PATH_ENV, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DATA_PATH


def reviews_path(incidents_path: Path) -> Path:
    """The review log kept beside an incident file: ``incidents.reviews.csv``."""
    return incidents_path.with_name(f"{incidents_path.stem}.reviews.csv")


def file_version(path: Path) -> tuple[int, int]:
    """A key that changes whenever the file does (modification time and size); (0, 0) if absent."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class LoadResult:
    """The valid incidents as a typed frame, and every problem met on the way."""

    incidents: pd.DataFrame
    problems: tuple[FieldProblem, ...] = field(default=())

    @property
    def bad_lines(self) -> tuple[int, ...]:
        """The line numbers of the rows left out, in file order."""
        return tuple(sorted({p.line for p in self.problems if p.line is not None}))


# --- reading ----------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(
            f"No incident file at {path}. Set {DATA_PATH_ENV} to the CSV to use."
        ) from None
    except UnicodeDecodeError as error:
        raise DataFileError(f"{path} is not UTF-8 text (byte {error.start}).") from None
    except OSError as error:
        raise DataFileError(f"Cannot read {path}: {error.strerror}.") from None


def _read_lines(path: Path) -> list[str]:
    """The file's lines with their line ends, read without ever holding the whole text."""
    # The whole text would be a second copy of every line (twice the file's size in memory
    # once one character is not ASCII) at the moment the lines are made.
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.readlines()
    except (OSError, UnicodeDecodeError):
        # _read_text words each failure for people; a decoding error's byte offset is only
        # right when counted over the whole file.
        return io.StringIO(_read_text(path), newline="").readlines()


def iter_csv_records(
    text: str,
    *,
    columns: Sequence[str],
    name: str,
    required: Collection[str] | None = None,
) -> Iterator[tuple[int, dict[str, str] | FieldProblem]]:
    """Each record's first line number with its cells by column, or the problem with that line.

    Every column in ``required`` (default: all of ``columns``) must be in the header; the
    others may be left out and read as empty.
    """
    lines = io.StringIO(text, newline="").readlines()
    header, rows = _csv_rows(lines, columns=columns, name=name, required=required)
    for line, cells in rows:
        yield (
            line,
            cells if isinstance(cells, FieldProblem) else dict(zip(header, cells, strict=True)),
        )


def _csv_rows(
    lines: list[str],
    *,
    columns: Sequence[str],
    name: str,
    required: Collection[str] | None = None,
) -> tuple[list[str], Iterator[tuple[int, list[str] | FieldProblem]]]:
    """The checked header, and each record's first line number with its cells or its problem."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DataFileError(f"{name} is empty: it needs at least the header row.") from None
    except csv.Error as error:
        raise DataFileError(f"{name}: the header row is not valid CSV ({error}).") from None
    header = [cell.strip().lstrip("\ufeff") for cell in header]
    # With two columns of one name, the last would silently win over the first.
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise DataFileError(
            f"{name}: the header names {', '.join(repeated)} more than once; keep one of each."
        )
    required = columns if required is None else required
    missing = [column for column in columns if column in required and column not in header]
    unknown = [column for column in header if column not in columns]
    if missing or unknown:
        raise DataFileError(
            f"{name}: the header does not match the schema"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    return header, _records(lines, first_line=reader.line_num + 1, width=len(header))


def _records(
    lines: list[str], *, first_line: int, width: int
) -> Iterator[tuple[int, list[str] | FieldProblem]]:
    """Each record after the header: its first line number with its cells, or its problem."""
    # A file that does not end in a line break may end in a torn record.
    torn_line = None if lines[-1].endswith("\n") else len(lines)
    torn_reason = "the last line is incomplete (a write was interrupted); re-enter that incident"
    line = first_line
    released = 0
    while line <= len(lines):
        # A torn line that stopped inside a quoted cell and was fenced off by a later append
        # would swallow the lines after it; on a CSV error, report the record's first line
        # and read on from the next one, so one bad line never hides the good ones.
        offset = line - 1
        reader = csv.reader((lines[i] for i in range(offset, len(lines))), strict=True)
        try:
            for cells in reader:
                last_line = offset + reader.line_num
                if not cells:
                    pass
                elif last_line == torn_line and len(cells) != width:
                    yield line, FieldProblem("record", torn_reason, line)
                elif len(cells) != width:
                    yield (
                        line,
                        FieldProblem(
                            "record", f"has {len(cells)} fields; the header has {width}", line
                        ),
                    )
                else:
                    yield line, cells
                line = last_line + 1
                if line - released > RELEASE_LINES:
                    # Lines before this record are never read again (a restart after a CSV
                    # error begins at the failed record): free them while the rest is read.
                    lines[released : line - 1] = [""] * (line - 1 - released)
                    released = line - 1
            return
        except csv.Error as error:
            if line == torn_line:
                yield line, FieldProblem("record", torn_reason, line)
            else:
                yield line, FieldProblem("record", f"not valid CSV ({error})", line)
            line += 1


def load_incidents(path: Path | None = None, *, bulk: bool = True) -> LoadResult:
    """The valid incidents of ``path`` with reviews applied, and a problem for each bad line.

    ``bulk`` tries the cached or Arrow-validated path first (dashboard/bulk_load.py), which
    gives the same result; False reads line by line.
    """
    path = path or data_path()
    if bulk:
        from dashboard.bulk_load import load_incidents_bulk  # it builds on this module

        result = load_incidents_bulk(path)
        if result is not None:
            return result
    with _cyclic_gc_paused():
        header, rows = _csv_rows(_read_lines(path), columns=COLUMNS, name=str(path))
        columns, problems = _validate_records(header, rows)
        reviews, review_problems = _load_reviews(reviews_path(path))
        return LoadResult(_typed_frame(columns, reviews), (*problems, *review_problems))


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the block runs (reference counting goes on)."""
    # A load makes millions of strings, tuples and dicts, none of them in a cycle; the collector
    # would walk the ever larger heap again and again for nothing: a quarter of the time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- validating by column ---------------------------------------------------------------------
# One pydantic model per row costs about 150 µs, 15 s for 100,000 rows. Most cells repeat (dates,
# flags, vocabularies, agencies), so each column's distinct cells are validated once instead,
# by that field's own validator taken from the Incident model's compiled schema, and every row
# then passes the model's own cross-field rules. The schema stays the only judge: no rule is
# written here, and any row rejected on the way is validated again, whole, by validate_incident,
# so its problems read exactly as they always have.

_FUNCTION_SCHEMAS = frozenset({"function-after", "function-before", "function-wrap"})
VALIDATION_CHUNK_ROWS = 10_000
# Text every incident has, kept as pandas strings (missing text stays None in object columns).
_REQUIRED_TEXT = ("id", "place", "agency", "summary", "added_by")
# The frame holds sources as one Arrow list column, not a tuple of dicts per row: at 1,000,000
# incidents the Python dicts were about a gigabyte and most of a restart. A cell still reads as
# a list of dicts (outlet, title, url, published as a date), as model_dump gives them.
SOURCE_KEYS = ("outlet", "title", "url", "published")
SOURCES_TYPE = pa.list_(
    pa.struct([(key, pa.date32() if key == "published" else pa.string()) for key in SOURCE_KEYS])
)


def sources_column(values: Sequence[object]) -> pd.api.extensions.ExtensionArray:
    """The frame's sources column from model_dump values (or an Arrow column, kept as it is)."""
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        return values
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return pd.arrays.ArrowExtensionArray(values)
    return pd.arrays.ArrowExtensionArray(pa.array(values, type=SOURCES_TYPE))


@dataclass(frozen=True)
class _ColumnRules:
    """The Incident schema as one validator and one serializer per field, and its row rules."""

    validators: Mapping[str, SchemaValidator]
    serializers: Mapping[str, SchemaSerializer]
    # The model's own "after" validators (cross-field rules such as end date ≥ date), innermost
    # first, as the model applies them.
    row_rules: tuple[Callable[[Any], Any], ...]


@functools.cache
def _column_rules() -> _ColumnRules | None:
    """The schema's rules by column, or None when its shape does not allow that."""
    # None sends every row through validate_incident, one model at a time, as before.
    model = Incident.__pydantic_core_schema__
    row_rules: list[Callable[[Any], Any]] = []
    while model.get("type") in _FUNCTION_SCHEMAS:
        function = model["function"]
        # Only "after" rules without ValidationInfo can judge a row from its checked values.
        if model["type"] != "function-after" or function.get("type") != "no-info":
            return None
        row_rules.insert(0, function["function"])
        model = model["schema"]
    if model.get("type") != "model" or model["schema"].get("type") != "model-fields":
        return None
    fields = model["schema"]["fields"]
    # A field validator given ValidationInfo may read other fields: it needs the whole row.
    if set(fields) != set(COLUMNS) or _has_info_validator(fields):
        return None
    config = model.get("config")
    return _ColumnRules(
        validators={name: SchemaValidator(f["schema"], config) for name, f in fields.items()},
        serializers={name: SchemaSerializer(f["schema"], config) for name, f in fields.items()},
        row_rules=tuple(row_rules),
    )


def _has_info_validator(node: object) -> bool:
    """Whether a compiled schema holds a validator function that takes ValidationInfo."""
    if isinstance(node, Mapping):
        function = node.get("function")
        if isinstance(function, Mapping) and function.get("type") == "with-info":
            return True
        return any(_has_info_validator(value) for value in node.values())
    if isinstance(node, list | tuple):
        return any(_has_info_validator(value) for value in node)
    return False


def _passes_row_rules(fields: dict[str, object], rules: Sequence[Callable[[Any], Any]]) -> bool:
    """Whether the model's cross-field rules accept a row's checked values, changing nothing."""
    # The rules read the model's attributes, so a namespace of the checked values stands in
    # for the model (building real models is the cost being avoided). Anything unexpected, an
    # error of any kind or a changed value, sends the row to full validation, which decides.
    record = SimpleNamespace(**fields)
    try:
        for rule in rules:
            if rule(record) is not record:
                return False
    except Exception:  # the row is validated again in full; that judgement is the one kept
        return False
    return vars(record) == fields


def _validate_records(
    header: Sequence[str], rows: Iterable[tuple[int, list[str] | FieldProblem]]
) -> tuple[dict[str, Sequence[object]], list[FieldProblem]]:
    """The valid rows' values by column (as model_dump gives them) and every problem, by line."""
    parts: dict[str, list[Sequence[object]]] = {name: [] for name in COLUMNS}
    lines: list[int] = []
    problems: list[FieldProblem] = []
    # In slices: the cells and validated models of 100,000 rows at once would need hundreds
    # of megabytes, for no gain in speed. Each slice's required text becomes pandas strings at
    # once, so its Python strings are freed while the next slice is read.
    remaining = iter(rows)
    while chunk := list(itertools.islice(remaining, VALIDATION_CHUNK_ROWS)):
        chunk_lines: list[int] = []
        cells: list[list[str]] = []
        for line, record in chunk:
            if isinstance(record, FieldProblem):
                problems.append(record)
            else:
                chunk_lines.append(line)
                cells.append(record)
        valid = list(_validate_chunk(header, chunk_lines, cells, problems))
        lines.extend(chunk_lines[index] for index, _row in valid)
        for position, name in enumerate(COLUMNS):
            column = [row[position] for _index, row in valid]
            parts[name].append(
                pd.array(column, dtype="string") if name in _REQUIRED_TEXT else column
            )
    values = {name: _joined(column_parts) for name, column_parts in parts.items()}
    duplicates = _duplicate_ids(values["id"], lines, problems)
    if duplicates:
        keep = np.ones(len(lines), dtype=bool)
        keep[list(duplicates)] = False
        values = {
            name: column[keep]
            if isinstance(column, pd.api.extensions.ExtensionArray)
            else [value for value, kept in zip(column, keep, strict=True) if kept]
            for name, column in values.items()
        }
    # Stable: a line's own problems keep their order, and lines come in file order.
    problems.sort(key=lambda problem: problem.line or 0)
    return values, problems


def _joined(parts: list[Sequence[object]]) -> Sequence[object]:
    """One column from its slices: a list of values, or one pandas string array."""
    if parts and isinstance(parts[0], pd.api.extensions.ExtensionArray):
        return pd.concat([pd.Series(part, copy=False) for part in parts], ignore_index=True).array
    return list(itertools.chain.from_iterable(parts))


def _validate_chunk(
    header: Sequence[str], lines: list[int], cells: list[list[str]], problems: list[FieldProblem]
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Each valid row's index and values in COLUMNS order; problems of the others are added."""
    rules = _column_rules()
    if rules is None or not cells:
        values: dict[str, list[object]] = {name: [None] * len(cells) for name in COLUMNS}
        rejected = [True] * len(cells)
    else:
        raw = dict(zip(header, zip(*cells, strict=True), strict=True))
        values, rejected = _validate_columns(raw, rules, len(cells))
    for index in [index for index, is_rejected in enumerate(rejected) if is_rejected]:
        record = dict(zip(header, cells[index], strict=True))
        try:
            incident = validate_incident(record, line=lines[index])
        except IncidentValidationError as error:
            problems.extend(error.problems)
            continue
        # Accepted as a whole after all: the model's judgement is the one that counts.
        rejected[index] = False
        for name, value in incident.model_dump().items():
            values[name][index] = value
    columns = [values[name] for name in COLUMNS]
    for index, row in enumerate(zip(*columns, strict=True)):
        if not rejected[index]:
            yield index, row


def _duplicate_ids(
    ids: Sequence[object],
    lines: Sequence[int],
    problems: list[FieldProblem],
    first_line_of: dict[object, int] | None = None,
) -> set[int]:
    """The positions of rows whose id an earlier row already has, each added as a problem.

    ``first_line_of`` carries the ids of earlier batches (the bulk loader reads in batches);
    it is updated with this batch's new ids.
    """
    first_line_of = {} if first_line_of is None else first_line_of
    duplicates = set()
    for index, (incident_id, line) in enumerate(zip(ids, lines, strict=True)):
        if incident_id in first_line_of:
            reason = f"{incident_id} is already used on line {first_line_of[incident_id]}"
            problems.append(FieldProblem("id", reason, line))
            duplicates.add(index)
        else:
            first_line_of[incident_id] = line
    return duplicates


def _validate_columns(
    raw: Mapping[str, Sequence[str]], rules: _ColumnRules, count: int
) -> tuple[dict[str, list[object]], list[bool]]:
    """Each column's values as model_dump gives them, and which rows any rule rejected."""
    validated: dict[str, list[object]] = {}
    dumped: dict[str, list[object]] = {}
    rejected = np.zeros(count, dtype=bool)
    shared: dict[object, object] = {}
    for name in COLUMNS:
        codes, distinct = pd.factorize(np.asarray(raw[name], dtype=object))
        good: list[object] = [None] * len(distinct)
        dumps: list[object] = [None] * len(distinct)
        bad = np.zeros(len(distinct), dtype=bool)
        validator, serializer = rules.validators[name], rules.serializers[name]
        for position, text in enumerate(distinct):
            try:
                good[position] = validator.validate_python(text)
            except ValidationError:
                bad[position] = True
                continue
            dumps[position] = _shared(serializer.to_python(good[position]), shared)
        validated[name] = list(map(good.__getitem__, codes))
        dumped[name] = list(map(dumps.__getitem__, codes))
        rejected |= bad[codes]
    names = list(COLUMNS)
    for index, row in enumerate(zip(*(validated[name] for name in names), strict=True)):
        if not rejected[index] and not _passes_row_rules(
            dict(zip(names, row, strict=True)), rules.row_rules
        ):
            rejected[index] = True
    return dumped, rejected.tolist()


def _shared(value: object, memo: dict[object, object]) -> object:
    """``value`` with the text and dates inside its tuples and dicts shared with equal ones."""
    # Sources repeat outlets and dates row after row; one object each instead of one per row
    # saves tens of megabytes at 100,000 incidents. Strings and dates are immutable.
    if isinstance(value, tuple):
        return tuple(_shared(item, memo) for item in value)
    if isinstance(value, dict):
        return {key: _shared(item, memo) for key, item in value.items()}
    if isinstance(value, str | dt.date):
        return memo.setdefault(value, value)
    return value


def _load_reviews(path: Path) -> tuple[list[Review], list[FieldProblem]]:
    if not path.exists():
        return [], []
    reviews: list[Review] = []
    problems: list[FieldProblem] = []
    name = path.name
    for line, record in iter_csv_records(_read_text(path), columns=REVIEW_COLUMNS, name=name):
        if isinstance(record, FieldProblem):
            problems.append(FieldProblem(f"{name}: {record.field}", record.reason, line))
            continue
        try:
            reviews.append(validate_review(record, line=line))
        except IncidentValidationError as error:
            problems.extend(
                FieldProblem(f"{name}: {p.field}", p.reason, p.line) for p in error.problems
            )
    return reviews, problems


def incidents_frame(incidents: Iterable[Incident], reviews: Iterable[Review] = ()) -> pd.DataFrame:
    """A typed frame of incidents, one row each, the latest review deciding ``verification``."""
    records = [incident.model_dump() for incident in incidents]
    return _typed_frame({name: [record[name] for record in records] for name in COLUMNS}, reviews)


def _typed_frame(
    columns: dict[str, Sequence[object]], reviews: Iterable[Review] = ()
) -> pd.DataFrame:
    """The frame of incidents given as model_dump values by column (emptied), reviews applied."""
    if not any(len(values) for values in columns.values()):
        return _typed_columns(pd.DataFrame(columns=list(COLUMNS)))  # untyped (object) columns
    latest_decision = {review.incident_id: review.decision for review in reviews}
    if latest_decision:
        columns["verification"] = [
            latest_decision.get(incident_id, current)
            for incident_id, current in zip(columns["id"], columns["verification"], strict=True)
        ]
    # Typed from the value lists, each list dropped once its column is made: converting
    # pandas' own columns afterwards is slower, and for text it copies every string again.
    data: dict[str, object] = {}
    for name in COLUMNS:
        values = columns.pop(name)
        if name in VOCABULARIES:
            categories = [member.value for member in VOCABULARIES[name]]
            if isinstance(values, pd.Categorical) and list(values.categories) == categories:
                data[name] = values  # the bulk loader's, from the codes it read
            else:
                data[name] = pd.Categorical(list(map(str, values)), categories=categories)
        elif name in _REQUIRED_TEXT:
            data[name] = pd.array(values, dtype="string", copy=False)
        elif name == "sources":
            data[name] = sources_column(values)
        else:
            data[name] = values
    return _typed_columns(pd.DataFrame(data))


def in_one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each Arrow-backed column (text, sources) in one piece, not one per batch.

    Arrow's take on a column in pieces first joins them: every filter, sort or lookup on a
    frame read in 60 batches copied its text whole (feeds of 1,000,000 incidents: 1.4 s).
    """
    for name in frame.columns:
        array = frame[name].array
        whole = array_in_one_chunk(array)
        if whole is not array:
            frame[name] = whole
    return frame


def array_in_one_chunk(array: Any) -> Any:
    """An Arrow-backed pandas array in one piece (the same array if it already is one)."""
    pieces = getattr(array, "_pa_array", None)
    if not isinstance(pieces, pa.ChunkedArray) or pieces.num_chunks <= 1:
        return array
    try:
        whole = pieces.combine_chunks()
    except pa.ArrowInvalid:
        return array  # over 2 GB of text in one column: it stays in pieces
    return pd.array(whole, dtype=array.dtype)


def _typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its dates, instants, positions and required text given their types."""
    for column, vocabulary in VOCABULARIES.items():
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = pd.Categorical(
                [str(value) for value in frame[column]], categories=[v.value for v in vocabulary]
            )
    for column in ("date", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["added_at"] = pd.to_datetime(frame["added_at"], utc=True)
    for column in ("latitude", "longitude"):
        frame[column] = frame[column].astype("float64")
    for column in _REQUIRED_TEXT:
        frame[column] = frame[column].astype("string")
    return frame


# --- writing ----------------------------------------------------------------------------------


def _csv_line(cells: Sequence[str]) -> bytes:
    # The schema bounds every field well below the reader's limit; this is the last guard that
    # nothing is ever written which the loader would refuse to read back.
    limit = csv.field_size_limit()
    if too_long := [index for index, cell in enumerate(cells) if len(cell) >= limit]:
        raise IncidentValidationError(
            [
                FieldProblem(
                    f"column {index + 1}", f"is too long to store ({limit:,} characters or more)"
                )
                for index in too_long
            ]
        )
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the writers' lock of ``path``; a writer stuck past the timeout is an error."""
    # The lock sits beside the real file: writers reaching it through a symbolic link and
    # writers naming it directly must wait for each other (an import replaces the file).
    try:
        with FileLock(f"{path.resolve()}.lock", timeout=LOCK_TIMEOUT_SECONDS):
            yield
    except Timeout:
        raise DataFileError(
            f"{path} stayed locked by another writer for {LOCK_TIMEOUT_SECONDS} s; try again."
        ) from None


def _ensure_file(path: Path, columns: Sequence[str]) -> None:
    """Create ``path`` holding just the header, atomically, if it does not exist yet."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Each creator writes its own temporary file and links it in without replacing: when two
    # first appends race, the loser must not swap a bare header over the winner's rows.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    temporary.write_bytes(_csv_line(columns))
    _fsync_path(temporary)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    _fsync_path(path.parent)


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def _append_locked(path: Path, lines: bytes, *, header: Sequence[str]) -> None:
    """Append whole lines to ``path`` (the caller holds its lock), fencing off a torn last line."""
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND)
    try:
        size = os.fstat(descriptor).st_size
        if not size:
            # An emptied file (truncated by hand, say) gets its header back first.
            lines = _csv_line(header) + lines
        elif os.pread(descriptor, 1, size - 1) != b"\n":
            # A killed writer left half a line: end it so it stays one reported bad line,
            # instead of gluing our record onto it.
            lines = b"\n" + lines
        _write_all(descriptor, lines)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _last_incident_number(path: Path) -> int:
    """The highest id number among the file's last records (ids ascend in file order)."""
    # Read backwards from the end, a doubling window at a time, until the window holds the
    # start of at least one record that begins with an id: a fixed tail missed the last id
    # whenever the last record was longer than the tail, and the next append reused INC-0001.
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        window = TAIL_BYTES
        while True:
            start = max(0, size - window)
            handle.seek(start)
            tail = handle.read(size - start)
            numbers = [
                incident_number(match.group(1).decode())
                for match in _LEADING_ID.finditer(tail)
                # Inside the window, "^" also matches at its first byte, which is the start
                # of a line only when it is the start of the file or follows a line break.
                if match.start() > 0 or start == 0 or _byte_before(handle, start) == b"\n"
            ]
            found = [number for number in numbers if number is not None]
            if found or start == 0:
                return max(found, default=0)
            window *= 2


def _byte_before(handle: io.BufferedReader, position: int) -> bytes:
    handle.seek(position - 1)
    return handle.read(1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _stamp(
    draft: IncidentDraft,
    *,
    number: int,
    added_by: str,
    added_via: AddedVia,
    verification: Verification,
    added_at: dt.datetime,
) -> Incident:
    return validate_incident(
        {
            **dict(draft),
            "id": format_incident_id(number),
            "verification": verification,
            "added_at": added_at,
            "added_by": added_by,
            "added_via": added_via,
        }
    )


def append_incident(
    draft: IncidentDraft,
    *,
    added_by: str,
    added_via: AddedVia,
    verification: Verification = Verification.UNVERIFIED,
    path: Path | None = None,
) -> Incident:
    """The stored incident: ``draft`` with the next id, appended as one fsynced line."""
    path = path or data_path()
    _ensure_file(path, COLUMNS)
    added_at = _now()
    with _locked(path):
        incident = _stamp(
            draft,
            number=_last_incident_number(path) + 1,
            added_by=added_by,
            added_via=added_via,
            verification=verification,
            added_at=added_at,
        )
        _append_locked(path, _csv_line(to_csv_row(incident)), header=COLUMNS)
    return incident


def import_incidents(
    drafts: Sequence[IncidentDraft],
    *,
    added_by: str,
    verification: Verification = Verification.UNVERIFIED,
    path: Path | None = None,
) -> list[Incident]:
    """The stored incidents, all appended in one write, or none if anything fails."""
    # Through a symbolic link to the file it names: replacing the link itself would orphan the
    # real file and swap in a copy with the process's own mode and owner.
    path = (path or data_path()).resolve()
    _ensure_file(path, COLUMNS)
    added_at = _now()
    with _locked(path):
        first = _last_incident_number(path) + 1
        incidents = [
            _stamp(
                draft,
                number=first + offset,
                added_by=added_by,
                added_via=AddedVia.IMPORT,
                verification=verification,
                added_at=added_at,
            )
            for offset, draft in enumerate(drafts)
        ]
        if not incidents:
            return []
        payload = b"".join(_csv_line(to_csv_row(incident)) for incident in incidents)
        _replace_with_appended(path, payload)
        # Earlier versions used this one fixed name and left it behind when they failed.
        path.with_name(f".{path.name}.import").unlink(missing_ok=True)
    return incidents


def _replace_with_appended(path: Path, payload: bytes) -> None:
    """Swap in a copy of ``path`` with ``payload`` appended, keeping its mode and owner."""
    # Written beside the file and swapped in: a kill mid-import leaves the old file whole. The
    # copy has a name of its own and is removed on any failure, so none is ever left behind.
    original = path.read_bytes()
    fence = b"" if not original or original.endswith(b"\n") else b"\n"
    status = path.stat()
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".import", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), stat.S_IMODE(status.st_mode))
            if (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(handle.fileno(), status.st_uid, status.st_gid)
            handle.write(original + fence + payload)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_path(path.parent)


def record_review(
    incident_id: str,
    decision: Verification,
    *,
    reviewer: str,
    note: str | None = None,
    path: Path | None = None,
) -> Review:
    """The review appended to the incident file's review log (nothing is overwritten)."""
    path = path or data_path()
    log = reviews_path(path)
    review = validate_review(
        {
            "incident_id": incident_id,
            "decision": decision,
            "reviewer": reviewer,
            "reviewed_at": _now(),
            "note": note,
        }
    )
    _ensure_file(log, REVIEW_COLUMNS)
    with _locked(log):
        _append_locked(log, _csv_line(to_csv_row(review)), header=REVIEW_COLUMNS)
    return review


def drafts_from_csv(text: str, *, name: str) -> list[IncidentDraft]:
    """Every row of an import file as a draft; raises IncidentValidationError listing all bad rows.

    Import files may carry the full schema (ids and provenance are then ignored) or only the
    draft columns.
    """
    return [row.draft for row in import_rows_from_csv(text, name=name)]


@dataclass(frozen=True)
class ImportRow:
    """One row of an import file: its line, the id it carried (if any) and its draft."""

    line: int
    incident_id: str | None
    draft: IncidentDraft


def import_rows_from_csv(text: str, *, name: str) -> list[ImportRow]:
    """Every row of an import file with its line and id; raises IncidentValidationError."""
    # Our own CSV export starts with a byte-order mark (for spreadsheets); it is not a column.
    text = text.removeprefix("\ufeff")
    draft_columns = tuple(IncidentDraft.model_fields)
    header = [cell.strip() for cell in next(csv.reader(io.StringIO(text)), [])]
    columns = COLUMNS if set(header) == set(COLUMNS) else draft_columns
    rows: list[ImportRow] = []
    problems: list[FieldProblem] = []
    records = iter_csv_records(text, columns=columns, name=name, required=REQUIRED_DRAFT_FIELDS)
    for line, record in records:
        if isinstance(record, FieldProblem):
            problems.append(record)
            continue
        fields: Mapping[str, str] = {k: v for k, v in record.items() if k in draft_columns}
        try:
            draft = validate_draft(fields, line=line)
        except IncidentValidationError as error:
            problems.extend(error.problems)
            continue
        rows.append(ImportRow(line, (record.get("id") or "").strip() or None, draft))
    if problems:
        raise IncidentValidationError(problems)
    return rows


# --- reading what was appended since (the stores' incremental reads) ---------------------------
# The incident file and its review log only ever grow at the end, so a reader that remembers how
# far it got reads just the new lines on its next run. A file replaced (a new inode: editors,
# git and sed -i save that way), cut short, or changed in the bytes just before that point is
# answered with None: read it all again. An edit in place further back, keeping the size, is
# not seen until the file is replaced; hashing the whole file on every run would cost more than
# the full read it saves.

# How many bytes before the offset are kept to recognise that the file still holds them.
CURSOR_TAIL_BYTES = 256


@dataclass(frozen=True)
class FileCursor:
    """How far a reader got in an append-only file: up to ``offset``, next line ``line``."""

    inode: int
    offset: int
    line: int
    tail: bytes


def _read_appended(path: Path, cursor: FileCursor | None) -> tuple[list[str], FileCursor] | None:
    """The complete lines after ``cursor`` (the header first when reading from the start).

    None when the file is no longer the one the cursor was taken on. A last line that does not
    end in a line break is left for the next read: it is still being written, or torn.
    """
    if cursor is not None and cursor.inode == 0:
        # The file did not exist at the last read: everything in it now is new.
        fresh = _read_appended(path, None)
        if fresh is None or not fresh[0]:
            return [], cursor
        lines, new_cursor = fresh
        return lines[1:], new_cursor  # the header is not a new line
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        # Line 2 is where the first record of a file yet to be created will be.
        return None if cursor is not None else ([], FileCursor(0, 0, 2, b""))
    with handle:
        stat = os.fstat(handle.fileno())
        if cursor is not None:
            if stat.st_ino != cursor.inode or stat.st_size < cursor.offset:
                return None
            start = cursor.offset - len(cursor.tail)
            handle.seek(start)
            if handle.read(len(cursor.tail)) != cursor.tail:
                return None
        offset = cursor.offset if cursor else 0
        handle.seek(offset)
        data = handle.read(stat.st_size - offset)
    end = data.rfind(b"\n") + 1
    try:
        text = data[:end].decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{path} is not UTF-8 text (byte {offset + error.start}).") from None
    lines = io.StringIO(text, newline="").readlines()
    del text
    new_offset = offset + end
    with path.open("rb") as handle:
        handle.seek(max(0, new_offset - CURSOR_TAIL_BYTES))
        tail = handle.read(min(new_offset, CURSOR_TAIL_BYTES))
    first_line = cursor.line if cursor else 1
    return lines, FileCursor(stat.st_ino, new_offset, first_line + len(lines), tail)


def _header_line(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.readline()


def _shifted(problems: Iterable[FieldProblem], by: int) -> list[FieldProblem]:
    return [
        FieldProblem(p.field, p.reason, None if p.line is None else p.line + by) for p in problems
    ]


def read_incidents_since(
    path: Path, cursor: FileCursor | None = None
) -> tuple[dict[str, Sequence[object]], list[FieldProblem], FileCursor] | None:
    """The valid rows appended after ``cursor`` by column, their problems and the new cursor.

    From the start when ``cursor`` is None; None when the file changed other than by appends.
    """
    if cursor is None:
        # The whole file: validated in bulk with Arrow, or read back from its parsed copy
        # (dashboard/bulk_load.py); the same values, problems and cursor as below.
        from dashboard.bulk_load import read_incidents_bulk  # it builds on this module

        bulk = read_incidents_bulk(path)
        if bulk is not None:
            return bulk
    appended = _read_appended(path, cursor)
    if appended is None:
        return None
    lines, new_cursor = appended
    if cursor is None and not lines:
        if not path.exists():
            raise DataFileError(
                f"No incident file at {path}. Set {DATA_PATH_ENV} to the CSV to use."
            )
        raise DataFileError(f"{path} is empty: it needs at least the header row.")
    shift = 0
    if cursor is not None:
        if not lines:
            return {name: [] for name in COLUMNS}, [], new_cursor
        # The header read again, and line numbers counted from where the cursor stopped.
        lines = [_header_line(path), *lines]
        shift = cursor.line - 2
    with _cyclic_gc_paused():
        header, rows = _csv_rows(lines, columns=COLUMNS, name=str(path))
        values, problems = _validate_records(header, rows)
    return values, _shifted(problems, shift), new_cursor


def read_reviews_since(
    path: Path, cursor: FileCursor | None = None
) -> tuple[list[Review], list[FieldProblem], FileCursor] | None:
    """The reviews appended to the log ``path`` after ``cursor``, their problems, the new cursor."""
    appended = _read_appended(path, cursor)
    if appended is None:
        return None
    lines, new_cursor = appended
    if not lines:
        return [], [], new_cursor
    shift = 0
    if cursor is not None:
        lines = [_header_line(path), *lines]
        shift = cursor.line - 2
    reviews: list[Review] = []
    problems: list[FieldProblem] = []
    name = path.name
    for line, record in iter_csv_records("".join(lines), columns=REVIEW_COLUMNS, name=name):
        if isinstance(record, FieldProblem):
            problems.append(FieldProblem(f"{name}: {record.field}", record.reason, line))
            continue
        try:
            reviews.append(validate_review(record, line=line))
        except IncidentValidationError as error:
            problems.extend(
                FieldProblem(f"{name}: {p.field}", p.reason, p.line) for p in error.problems
            )
    return reviews, _shifted(problems, shift), new_cursor


def typed_incidents(
    columns: dict[str, Sequence[object]], reviews: Iterable[Review] = ()
) -> pd.DataFrame:
    """The typed frame of incidents given by column as model_dump values, reviews applied."""
    return _typed_frame(columns, reviews)


def read_stored_incidents(path: Path) -> list[Incident]:
    """Every valid record of the file as stored (its own verification, no review applied)."""
    incidents: list[Incident] = []
    for line, record in iter_csv_records(_read_text(path), columns=COLUMNS, name=str(path)):
        if isinstance(record, FieldProblem):
            continue
        try:
            incidents.append(validate_incident(record, line=line))
        except IncidentValidationError:
            continue
    return incidents


def curated_csv_bytes(incidents: Iterable[Incident]) -> bytes:
    """The incidents in the data file's own format: the header, then one line each."""
    return _csv_line(COLUMNS) + b"".join(_csv_line(to_csv_row(i)) for i in incidents)


def restore_incidents(incidents: Sequence[Incident], *, path: Path | None = None) -> None:
    """Write whole records (ids and provenance kept) to a file that holds no incident yet."""
    path = (path or data_path()).resolve()
    _ensure_file(path, COLUMNS)
    with _locked(path):
        if _last_incident_number(path) or len(_read_lines(path)) > 1:
            raise DataFileError(f"{path} already holds incidents; restore only into an empty one.")
        if incidents:
            _replace_with_appended(path, curated_csv_bytes(incidents).split(b"\n", 1)[1])


def check_and_append_incident(
    draft: IncidentDraft,
    *,
    added_by: str,
    added_via: AddedVia,
    check: Callable[[], object],
    verification: Verification = Verification.UNVERIFIED,
    path: Path | None = None,
) -> Incident | object:
    """The stored incident, or what ``check`` returned when it refused, both under the file lock.

    ``check`` runs while the writers' lock is held (so nothing can be appended in between) and
    returns None to let the append go ahead, or any other value to refuse it.
    """
    path = path or data_path()
    _ensure_file(path, COLUMNS)
    with _locked(path):
        refusal = check()
        if refusal is not None:
            return refusal
        incident = _stamp(
            draft,
            number=_last_incident_number(path) + 1,
            added_by=added_by,
            added_via=added_via,
            verification=verification,
            added_at=_now(),
        )
        _append_locked(path, _csv_line(to_csv_row(incident)), header=COLUMNS)
    return incident


@contextmanager
def writers_lock(path: Path) -> Iterator[None]:
    """Hold the writers' lock of ``path`` (the lock every append and review takes)."""
    with _locked(path):
        yield


def create_incident_file(path: Path | None = None) -> None:
    """Create the incident file holding just the header, if it does not exist yet."""
    _ensure_file(path or data_path(), COLUMNS)
