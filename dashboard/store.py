"""The incident file: load (good rows plus a report of bad ones), locked appends, reviews.

The file is the database. Appends never rewrite what is there: each one takes a file lock, writes
one whole line with a single ``write`` on an ``O_APPEND`` descriptor and fsyncs it, so concurrent
writers all land and a killed writer leaves at worst a torn last line, which the loader reports
and the next append fences off with a line break.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

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
# How much of the file's end to read to find the last id; a record is far shorter than this.
TAIL_BYTES = 64 * 1024
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
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DataFileError(f"{name} is empty: it needs at least the header row.") from None
    except csv.Error as error:
        raise DataFileError(f"{name}: the header row is not valid CSV ({error}).") from None
    header = [cell.strip().lstrip("\ufeff") for cell in header]
    required = columns if required is None else required
    missing = [column for column in columns if column in required and column not in header]
    unknown = [column for column in header if column not in columns]
    if missing or unknown:
        raise DataFileError(
            f"{name}: the header does not match the schema"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    # A file that does not end in a line break may end in a torn record.
    torn_line = None if text.endswith("\n") else len(lines)
    torn_reason = "the last line is incomplete (a write was interrupted); re-enter that incident"
    line = reader.line_num + 1
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
                elif last_line == torn_line and len(cells) != len(header):
                    yield line, FieldProblem("record", torn_reason, line)
                elif len(cells) != len(header):
                    yield (
                        line,
                        FieldProblem(
                            "record", f"has {len(cells)} fields; the header has {len(header)}", line
                        ),
                    )
                else:
                    yield line, dict(zip(header, cells, strict=True))
                line = last_line + 1
            return
        except csv.Error as error:
            if line == torn_line:
                yield line, FieldProblem("record", torn_reason, line)
            else:
                yield line, FieldProblem("record", f"not valid CSV ({error})", line)
            line += 1


def load_incidents(path: Path | None = None) -> LoadResult:
    """The valid incidents of ``path`` with reviews applied, and a problem for each bad line."""
    path = path or data_path()
    problems: list[FieldProblem] = []
    incidents: list[Incident] = []
    first_line_of: dict[str, int] = {}
    for line, record in iter_csv_records(_read_text(path), columns=COLUMNS, name=str(path)):
        if isinstance(record, FieldProblem):
            problems.append(record)
            continue
        try:
            incident = validate_incident(record, line=line)
        except IncidentValidationError as error:
            problems.extend(error.problems)
            continue
        if incident.id in first_line_of:
            problems.append(
                FieldProblem(
                    "id",
                    f"{incident.id} is already used on line {first_line_of[incident.id]}",
                    line,
                )
            )
            continue
        first_line_of[incident.id] = line
        incidents.append(incident)
    reviews, review_problems = _load_reviews(reviews_path(path))
    problems.extend(review_problems)
    return LoadResult(incidents_frame(incidents, reviews), tuple(problems))


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
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    latest_decision = {review.incident_id: review.decision for review in reviews}
    if latest_decision:
        frame["verification"] = [
            latest_decision.get(incident_id, current)
            for incident_id, current in zip(frame["id"], frame["verification"], strict=True)
        ]
    for column, vocabulary in VOCABULARIES.items():
        frame[column] = pd.Categorical(
            [str(value) for value in frame[column]], categories=[v.value for v in vocabulary]
        )
    for column in ("date", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["added_at"] = pd.to_datetime(frame["added_at"], utc=True)
    for column in ("latitude", "longitude"):
        frame[column] = frame[column].astype("float64")
    for column in ("id", "vessel_name", "place", "agency", "summary", "added_by"):
        frame[column] = frame[column].astype("string")
    return frame


# --- writing ----------------------------------------------------------------------------------


def _csv_line(cells: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the writers' lock of ``path``; a writer stuck past the timeout is an error."""
    try:
        with FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT_SECONDS):
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
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read()
    numbers = [incident_number(match.decode()) for match in _LEADING_ID.findall(tail)]
    return max((number for number in numbers if number is not None), default=0)


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
    path = path or data_path()
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
        # Written beside the file and swapped in: a kill mid-import leaves the old file whole.
        temporary = path.with_name(f".{path.name}.import")
        original = path.read_bytes()
        fence = b"" if not original or original.endswith(b"\n") else b"\n"
        payload = b"".join(_csv_line(to_csv_row(incident)) for incident in incidents)
        temporary.write_bytes(original + fence + payload)
        _fsync_path(temporary)
        temporary.replace(path)
        _fsync_path(path.parent)
    return incidents


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
    draft_columns = tuple(IncidentDraft.model_fields)
    header = next(csv.reader(io.StringIO(text)), [])
    columns = COLUMNS if set(header) == set(COLUMNS) else draft_columns
    drafts: list[IncidentDraft] = []
    problems: list[FieldProblem] = []
    records = iter_csv_records(text, columns=columns, name=name, required=REQUIRED_DRAFT_FIELDS)
    for line, record in records:
        if isinstance(record, FieldProblem):
            problems.append(record)
            continue
        fields: Mapping[str, str] = {k: v for k, v in record.items() if k in draft_columns}
        try:
            drafts.append(validate_draft(fields, line=line))
        except IncidentValidationError as error:
            problems.extend(error.problems)
    if problems:
        raise IncidentValidationError(problems)
    return drafts
