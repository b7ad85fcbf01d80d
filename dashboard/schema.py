"""The incident schema: columns, vocabularies, validation and CSV form (the single source of truth).

Every other module asks this one which columns exist, what values they allow and how a value is
written to or read from the CSV; none of them lists columns of its own. ``docs/data-model.md``
explains the same columns for people.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dashboard.errors import FieldProblem, IncidentValidationError
from dashboard.identifiers import is_valid_imo, is_valid_mmsi, normalise_imo

# At most nine digits: a thousand-digit "id" is not a sequence number (and int() refuses it).
ID_PATTERN = re.compile(r"^INC-(\d{4,9})$")
LIST_SEPARATOR = ";"
# Every field is bounded, so no record is ever written that the loader cannot read back: the
# largest cell (20 sources at their longest) stays far below the CSV reader's 128 KB field limit.
MAX_SUMMARY_CHARS = 1000
MAX_NOTES_CHARS = 2000
MAX_SHORT_TEXT_CHARS = 300
MAX_URL_CHARS = 2000
MAX_SOURCES = 20
MAX_LIST_ITEMS = 20
MAX_COUNT = 1_000_000
# Nothing before this is an incident (or a source) of this record; 0001-01-01 is a slip.
EARLIEST_DATE = dt.date(1900, 1, 1)
# Characters that make a name read differently from what it holds: bidirectional controls
# (U+202E shows "Skipper" reversed) and invisible joiners and spaces (two "Centuries" that
# differ). Stripped from all text, so names that look the same are the same.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2060\u2066\u2067\u2068\u2069\ufeff",
    ),
    None,
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# An instant as the store writes it: a date, "T" or a space, a time, and a zone.
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
ModelT = TypeVar("ModelT", bound=BaseModel)
# A day of slack: an incident "today" in the Pacific is already "tomorrow" in UTC.
FUTURE_SLACK = dt.timedelta(days=1)


class Vocabulary(StrEnum):
    """A fixed set of values; ``label`` is what people read."""

    @property
    def label(self) -> str:
        """The value as words: ``under_pursuit`` reads "under pursuit"."""
        return _LABELS.get(self.value, self.value.replace("_", " "))


# Labels that say more than the value's own words.
_LABELS = {"returned_to_origin": "returned to port of origin"}


class DatePrecision(Vocabulary):
    DAY = "day"
    MONTH = "month"
    APPROXIMATE = "approximate"


class EventType(Vocabulary):
    SEIZURE = "seizure"
    PURSUIT = "pursuit"
    BOARDING = "boarding"
    STRIKE = "strike"
    OTHER = "other"


class VesselType(Vocabulary):
    CRUDE_TANKER = "crude_tanker"
    PRODUCT_TANKER = "product_tanker"
    TANKER = "tanker"
    CARGO_SHIP = "cargo_ship"
    GO_FAST_BOAT = "go_fast_boat"
    SEMI_SUBMERSIBLE = "semi_submersible"
    FISHING_VESSEL = "fishing_vessel"
    OTHER = "other"
    UNKNOWN = "unknown"


class FalseFlag(Vocabulary):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class LocationPrecision(Vocabulary):
    EXACT = "exact"
    APPROXIMATE = "approximate"
    REGION = "region"


class Outcome(Vocabulary):
    SEIZED = "seized"
    UNDER_PURSUIT = "under_pursuit"
    ESCAPED = "escaped"
    BOARDED = "boarded"
    DESTROYED = "destroyed"
    RELEASED = "released"
    RETURNED = "returned"
    # Intercepted and sent back where it came from (Olina, per PDVSA and the US President).
    RETURNED_TO_ORIGIN = "returned_to_origin"
    UNKNOWN = "unknown"
    OTHER = "other"


class Verification(Vocabulary):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    REJECTED = "rejected"


class AddedVia(Vocabulary):
    CURATED = "curated"
    FORM = "form"
    CLI = "cli"
    IMPORT = "import"


# --- field-level rules -------------------------------------------------------------------------


def _clean_text(value: object) -> object:
    """Collapse line breaks and runs of white space, so one record stays one CSV line.

    Also drops bidirectional controls and zero-width characters and normalises to NFC, so a
    name cannot hide, reverse or double itself.
    """
    if not isinstance(value, str):
        return value
    # The common case, and far cheaper than a per-character scan: every invisible character
    # dropped here is a format character (Cf), which isprintable() already refuses.
    if value.isprintable():
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        return " ".join(value.split())
    value = unicodedata.normalize("NFC", value.translate(_INVISIBLE))
    if value.isprintable():
        return " ".join(value.split())
    without_controls = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in value
    )
    return " ".join(without_controls.split())


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _split_list(value: object) -> object:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(LIST_SEPARATOR)
    if isinstance(value, Iterable):
        items = (_clean_text(item) for item in value)
        return tuple(item for item in items if item)
    return value


def _strict_date(value: object) -> object:
    """A date only as a date or as text written YYYY-MM-DD: never a number of seconds."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError("must be a date without a time of day")
        return value.date()
    if type(value) is str and len(value) == 10 and value[4] == value[7] == "-":
        with contextlib.suppress(ValueError):  # the loader's common case, "2025-12-10"
            return dt.date.fromisoformat(value)
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()} is not a day of the calendar") from None
    raise ValueError("must be a date written YYYY-MM-DD")


def _after_earliest(value: dt.date | None) -> dt.date | None:
    if value is not None and value < EARLIEST_DATE:
        raise ValueError(f"{value} is before {EARLIEST_DATE}; check the year")
    return value


def _not_in_future(value: dt.date | None) -> dt.date | None:
    if value is not None and value > dt.datetime.now(dt.UTC).date() + FUTURE_SLACK:
        raise ValueError(f"{value} is in the future")
    return value


def _strict_instant(value: object) -> object:
    """An instant as a datetime or ISO text with a time: never a bare number of seconds."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_INSTANT.match(value.strip()):
        return value.strip()
    raise ValueError("must be a date and time like 2026-01-20T12:00:00Z")


def _strict_number(value: object) -> object:
    """A coordinate only from a number or numeric text: ``true`` is not 1 degree."""
    if type(value) is str and len(value) <= 50 and value[-1:].isdigit():
        return value  # the loader's common case: "10.5" (never "nan" or "inf"), parsed as usual
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("must be a number of degrees, e.g. 10.5")
    if isinstance(value, str):
        value = value.strip()
        # 50 characters hold any coordinate ever written; thousands of digits are not one.
        if len(value) > 50 or value.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            raise ValueError("must be a number of degrees, e.g. 10.5")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a number of degrees")
    return value


def _strict_count(value: object) -> object:
    """A count only from a whole number or its digits: not ``true``, not 2.5, not "1e3"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a whole number, e.g. 3")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        if len(digits) > len(str(MAX_COUNT)):
            raise ValueError(f"must be at most {MAX_COUNT:,}")
        return int(digits)
    raise ValueError("must be a whole number, e.g. 3")


def _check_imo(value: str | None) -> str | None:
    if value is None:
        return None
    value = normalise_imo(value)
    if not is_valid_imo(value):
        raise ValueError(
            "must be 7 digits whose last digit is the IMO check digit "
            "(d1×7 + d2×6 + d3×5 + d4×4 + d5×3 + d6×2, mod 10); check for a typing error"
        )
    return value


def _check_mmsi(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace(" ", "")
    if not is_valid_mmsi(value):
        raise ValueError("must be exactly 9 digits (a ship's MMSI starts with 2 to 7)")
    return value


@functools.cache
def country_name(code: str) -> str | None:
    """The ISO 3166-1 short name for an alpha-2 code, or None when the code is not assigned."""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name


def flag_label(code: object) -> str:
    """A flag as people read it: "Panama (PA)"; "no flag / unknown" when there is none."""
    if not isinstance(code, str) or not code:  # None, or NaN from a pandas column
        return "no flag / unknown"
    name = country_name(code)
    return f"{name} ({code})" if name else code


def _check_flag(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or country_name(code) is None:
        raise ValueError(
            f"{value!r} is not an ISO 3166-1 two-letter country code (Panama is PA, Guyana GY)"
        )
    return code


def _check_url(value: str) -> str:
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"is too long (at most {MAX_URL_CHARS:,} characters)")
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError("must start with http:// or https:// and name a website")
    return value


def _coordinate_range(name: str, limit: int) -> Any:
    """A validator rejecting values outside ±limit instead of wrapping them as geopy would."""

    def check(value: float) -> float:
        if not -limit <= value <= limit:
            raise ValueError(f"must be between -{limit} and {limit} degrees; got {value:g}")
        return value

    return AfterValidator(check)


def _optional_text(max_chars: int) -> Any:
    """Free text that may be left empty (stored as None), at most ``max_chars`` long."""
    return Annotated[
        Annotated[str, Field(max_length=max_chars)] | None,
        BeforeValidator(_clean_text),
        BeforeValidator(_blank_to_none),
    ]


def _required_text(max_chars: int) -> Any:
    """Free text that must not be empty, at most ``max_chars`` long."""
    return Annotated[str, BeforeValidator(_clean_text), Field(min_length=1, max_length=max_chars)]


OptionalText = _optional_text(MAX_SHORT_TEXT_CHARS)
RequiredText = _required_text(MAX_SHORT_TEXT_CHARS)
NameList = Annotated[
    tuple[Annotated[str, Field(max_length=MAX_SHORT_TEXT_CHARS)], ...],
    BeforeValidator(_split_list),
    Field(max_length=MAX_LIST_ITEMS),
]
# A count as reported (people killed, boats struck): empty when not reported, never 0 for unknown.
OptionalCount = Annotated[
    Annotated[int, Field(ge=0, le=MAX_COUNT)] | None, BeforeValidator(_strict_count)
]
# A date of this record: from 1900 on (BeforeValidators run last-first: blank, then strict).
OptionalDate = Annotated[
    dt.date | None,
    BeforeValidator(_strict_date),
    BeforeValidator(_blank_to_none),
    AfterValidator(_after_earliest),
]
Instant = Annotated[dt.datetime, BeforeValidator(_strict_instant)]


class Source(BaseModel):
    """A published document an incident relies on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outlet: RequiredText
    title: OptionalText = None
    url: Annotated[str, BeforeValidator(_clean_text), AfterValidator(_check_url)]
    # Published after the incident is fine; published after tomorrow is a slip of the year.
    published: Annotated[OptionalDate, AfterValidator(_not_in_future)] = None


# What the CSV reader reads at most. 20 sources of the longest outlet, title and URL, every
# character one that JSON escapes (a quote), take about 105,000: all fit; a deeper or longer
# cell is refused before it reaches the JSON parser.
MAX_SOURCES_CELL_CHARS = 128 * 1024 - 1


def _parse_sources(value: object) -> object:
    if isinstance(value, str):
        if not value.strip():
            return ()
        if len(value) > MAX_SOURCES_CELL_CHARS:
            raise ValueError(
                f"too long (at most {MAX_SOURCES:,} sources of at most {MAX_URL_CHARS:,} "
                "characters of URL each)"
            )
        try:
            return json.loads(value)
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            raise ValueError(
                'sources must be a JSON list like [{"outlet": ..., "url": ...}]'
            ) from error
    return value


class _CrossFieldError(ValueError):
    """Several fields wrong together; kept apart so each message can sit beside its own input."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))


class IncidentDraft(BaseModel):
    """Everything a person states about an incident; the store adds id and provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    date: Annotated[dt.date, BeforeValidator(_strict_date), AfterValidator(_after_earliest)]
    end_date: OptionalDate = None
    date_precision: DatePrecision
    event_type: EventType
    # Empty only for a strike on an unnamed boat; every other event names its vessel.
    vessel_name: OptionalText = None
    former_names: NameList = ()
    imo: Annotated[OptionalText, AfterValidator(_check_imo)] = None
    mmsi: Annotated[OptionalText, AfterValidator(_check_mmsi)] = None
    vessel_type: VesselType
    flag: Annotated[OptionalText, AfterValidator(_check_flag)] = None
    false_flag: FalseFlag
    registry: OptionalText = None
    linked_to: NameList = ()
    sanctions: OptionalText = None
    latitude: Annotated[float, _coordinate_range("latitude", 90)]
    longitude: Annotated[float, _coordinate_range("longitude", 180)]
    place: RequiredText
    location_precision: LocationPrecision
    agency: RequiredText
    announced_by: OptionalText = None
    outcome: Outcome
    vessels_struck: OptionalCount = None
    killed: OptionalCount = None
    survivors: OptionalCount = None
    summary: _required_text(MAX_SUMMARY_CHARS)
    notes: _optional_text(MAX_NOTES_CHARS) = None
    # The columns on which reports disagree (the notes say how), e.g. "flag;false_flag".
    disputed_fields: NameList = ()
    sources: Annotated[
        tuple[Source, ...],
        BeforeValidator(_parse_sources),
        Field(min_length=1, max_length=MAX_SOURCES),
    ]

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _reject_non_finite(cls, value: object) -> object:
        return _strict_number(value)

    @field_validator("date", "end_date")
    @classmethod
    def _not_in_future(cls, value: dt.date | None) -> dt.date | None:
        return _not_in_future(value)

    @field_validator("disputed_fields")
    @classmethod
    def _names_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in DISPUTABLE_FIELDS]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not a column that reports can disagree on; "
                "use column names such as flag;false_flag;killed"
            )
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Self:
        problems: list[tuple[str, str]] = []
        if self.end_date is not None and self.end_date < self.date:
            problems.append(("end_date", f"{self.end_date} is before the start date {self.date}"))
        if self.vessel_name is None and self.event_type is not EventType.STRIKE:
            problems.append(
                ("vessel_name", "is required (only a strike on an unnamed boat may leave it out)")
            )
        if problems:
            raise _CrossFieldError(problems)
        return self


class Incident(IncidentDraft):
    """One row of the incident file: a draft plus its id and how and when it was added."""

    id: Annotated[str, Field(pattern=ID_PATTERN.pattern)]
    verification: Verification
    added_at: Instant
    added_by: RequiredText
    added_via: AddedVia

    @field_validator("added_at")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("added_at must carry a time zone, e.g. 2026-01-20T12:00:00Z")
        return value.astimezone(dt.UTC)


class Review(BaseModel):
    """An editor's decision on an incident, kept in its own append-only log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_id: Annotated[str, Field(pattern=ID_PATTERN.pattern)]
    decision: Verification
    reviewer: RequiredText
    reviewed_at: Instant
    note: OptionalText = None


class ContextEvent(BaseModel):
    """A dated event that frames the interdictions without being one (a blockade order, a
    court filing), drawn as a labelled rule on the timeline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    label: _required_text(40)
    summary: _required_text(MAX_SUMMARY_CHARS)
    sources: Annotated[tuple[Source, ...], BeforeValidator(_parse_sources), Field(min_length=1)]


# What reports can disagree on: any stated fact of a draft (not our own words or precision marks),
# plus "location" (the point and place together) and "cargo" (told only in summary and notes).
DISPUTABLE_FIELDS = (
    frozenset(IncidentDraft.model_fields)
    - {"summary", "notes", "sources", "disputed_fields", "date_precision", "location_precision"}
) | {"location", "cargo"}

# The file's column order: identity first, then what happened, then provenance.
COLUMNS: tuple[str, ...] = (
    "id",
    *IncidentDraft.model_fields,
    *(
        name
        for name in Incident.model_fields
        if name not in IncidentDraft.model_fields and name != "id"
    ),
)
REVIEW_COLUMNS: tuple[str, ...] = tuple(Review.model_fields)
CONTEXT_COLUMNS: tuple[str, ...] = tuple(ContextEvent.model_fields)
LIST_COLUMNS = frozenset({"former_names", "linked_to", "disputed_fields"})
COUNT_COLUMNS = ("vessels_struck", "killed", "survivors")
VOCABULARIES: dict[str, type[Vocabulary]] = {
    name: field.annotation
    for name, field in Incident.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, Vocabulary)
}
REQUIRED_DRAFT_FIELDS = frozenset(
    name for name, field in IncidentDraft.model_fields.items() if field.is_required()
)


# --- errors in plain words ---------------------------------------------------------------------

_STORE_FIELDS = frozenset(Incident.model_fields) - frozenset(IncidentDraft.model_fields)

_PLAIN_REASONS = {
    "missing": "is required",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "datetime_from_date_parsing": "must be a date and time like 2026-01-20T12:00:00Z",
    "datetime_parsing": "must be a date and time like 2026-01-20T12:00:00Z",
    "float_parsing": "must be a number of degrees, e.g. 10.5",
    "float_type": "must be a number of degrees, e.g. 10.5",
    "string_too_short": "must not be empty",
    "extra_forbidden": "is not a column of the incident schema",
}


def _plain_problems(error: ValidationError, *, line: int | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for detail in error.errors():
        location = [str(part) for part in detail["loc"]]
        field = location[0] if location else "record"
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, _CrossFieldError):
            problems.extend(FieldProblem(name, reason, line) for name, reason in cause.problems)
            continue
        if field == "sources" and len(location) > 1:
            field = "sources[" + "].".join(location[1:3]) if len(location) > 2 else field
        problems.append(FieldProblem(field, _reason(detail), line))
    return problems


def _reason(detail: Mapping[str, Any]) -> str:
    kind = detail["type"]
    if kind == "value_error":
        return str(detail["ctx"]["error"])
    if kind == "enum":
        return f"must be one of: {detail['ctx']['expected'].replace(chr(39), '')}"
    # "too_long" is what pydantic reports for a length limit placed after a validator.
    if kind in {"string_too_long", "too_long"} and detail["loc"][:1] == ("sources",):
        return f"too many sources (at most {detail['ctx']['max_length']:,})"
    if kind == "too_long" and detail["loc"][:1] and detail["loc"][0] in LIST_COLUMNS:
        return f"too many names (at most {detail['ctx']['max_length']:,})"
    if kind in {"string_too_long", "too_long"}:
        return f"is too long (at most {detail['ctx']['max_length']:,} characters)"
    if kind == "too_short":
        if detail["loc"][:1] == ("sources",):
            return "at least one source (outlet and http(s) URL) is required"
        return "must not be empty"
    if kind == "extra_forbidden" and detail["loc"][:1] and detail["loc"][0] in _STORE_FIELDS:
        return "is set by the store when the incident is added; leave it out"
    if kind == "string_pattern_mismatch":
        return "must look like INC-0001 (INC- and 4 to 9 digits)"
    if kind in {"less_than_equal", "greater_than_equal"}:
        bound = detail["ctx"].get("le", detail["ctx"].get("ge"))
        side = "at most" if kind == "less_than_equal" else "at least"
        return f"must be {side} {bound:,}"
    return _PLAIN_REASONS.get(kind, detail["msg"])


def validate_draft(fields: Mapping[str, object], *, line: int | None = None) -> IncidentDraft:
    """The draft built from form or JSON fields; raises IncidentValidationError per field."""
    return _validate(IncidentDraft, fields, line=line)


def validate_incident(fields: Mapping[str, object], *, line: int | None = None) -> Incident:
    """The incident built from a full record (a CSV row); raises IncidentValidationError."""
    return _validate(Incident, fields, line=line)


def validate_context_event(
    fields: Mapping[str, object], *, line: int | None = None
) -> ContextEvent:
    """The context event built from a row of data/context.csv; raises IncidentValidationError."""
    return _validate(ContextEvent, fields, line=line)


def validate_review(fields: Mapping[str, object], *, line: int | None = None) -> Review:
    """The review built from a log row; raises IncidentValidationError."""
    return _validate(Review, fields, line=line)


def _validate(model: type[ModelT], fields: Mapping[str, object], *, line: int | None) -> ModelT:
    try:
        return model.model_validate(dict(fields))
    except ValidationError as error:
        raise IncidentValidationError(_plain_problems(error, line=line)) from None


# --- the CSV form of a record ------------------------------------------------------------------


def format_incident_id(number: int) -> str:
    """The id for a sequence number: 7 gives "INC-0007"."""
    return f"INC-{number:04d}"


def incident_number(incident_id: str) -> int | None:
    """The sequence number inside an id, or None when the text is not an id."""
    match = ID_PATTERN.match(incident_id)
    return int(match.group(1)) if match else None


def to_csv_value(value: object) -> str:
    """One value as the CSV cell the schema reads back to the same value."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
        return json.dumps(
            [item.model_dump(mode="json", exclude_none=True) for item in value],
            ensure_ascii=False,
        )
    if isinstance(value, tuple):
        return LIST_SEPARATOR.join(value)
    return str(value)


def to_csv_row(record: BaseModel) -> list[str]:
    """The record's cells in the file's column order."""
    columns = REVIEW_COLUMNS if isinstance(record, Review) else COLUMNS
    return [to_csv_value(getattr(record, column)) for column in columns]
