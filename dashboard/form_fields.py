"""The add-incident form as plain data: its fields (read from the schema), layout, and checking.

No Streamlit here: the page draws what this module describes and hands back what was typed;
``check_submission`` turns that into a valid draft or the full list of problems, each named by
the form field it belongs beside.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pycountry
from pydantic import TypeAdapter, ValidationError

from dashboard.errors import FieldProblem, GeocodingError, IncidentValidationError
from dashboard.geo import parse_position
from dashboard.i18n import N_, _
from dashboard.schema import (
    LIST_SEPARATOR,
    MAX_SHORT_TEXT_CHARS,
    REQUIRED_DRAFT_FIELDS,
    IncidentDraft,
    RequiredText,
    Source,
    Vocabulary,
    country_name,
    flag_label,
    validate_draft,
)

# Form fields that are not single schema fields: latitude and longitude are typed (or clicked)
# as one position; the editor's name becomes the record's added_by.
POSITION = "position"
ADDED_BY = "added_by"
SOURCES = "sources"
COORDINATE_FIELDS = ("latitude", "longitude")
# Where each field sits on the page. Only the arrangement lives here: which fields exist comes
# from the schema, and any schema field not placed below is still drawn, under "Other".
# Titles, labels and help are English marked N_(); the functions below give them translated.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("When"), ("date", "end_date", "date_precision")),
    (N_("What happened"), ("event_type", "outcome", "agency", "summary")),
    (
        N_("Vessel"),
        (
            "vessel_name",
            "former_names",
            "imo",
            "mmsi",
            "vessel_type",
            "flag",
            "false_flag",
            "registry",
            "linked_to",
            "sanctions",
        ),
    ),
    (N_("Where"), (POSITION, "place", "location_precision")),
    (N_("Sources"), (SOURCES,)),
    (N_("Notes, and who you are"), ("notes", ADDED_BY)),
)
OTHER_SECTION = N_("Other")
LONG_TEXT_FIELDS = frozenset({"summary", "notes"})
# An honest default for a vocabulary: "unknown" where it has one, otherwise the user must choose.
UNKNOWN_VALUE = "unknown"
SOURCE_ROWS = 6
SOURCE_ROWS_SHOWN = 2

# A field missing here is named from its own name ("announced_by" → "Announced by"), in English.
LABELS = {
    "date": N_("Date"),
    "end_date": N_("End date (for pursuits lasting days)"),
    "date_precision": N_("Date precision"),
    "event_type": N_("Event type"),
    "vessel_name": N_("Vessel name"),
    "former_names": N_("Former names"),
    "imo": N_("IMO number"),
    "mmsi": "MMSI",
    "vessel_type": N_("Vessel type"),
    "flag": N_("Flag state"),
    "false_flag": N_("False flag?"),
    "registry": N_("Registry"),
    "linked_to": N_("Linked to (states or networks)"),
    "sanctions": N_("Sanctions designation"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "place": N_("Place description"),
    "location_precision": N_("Location precision"),
    "agency": N_("Agency (who acted)"),
    "announced_by": N_("Announced by"),
    "outcome": N_("Outcome"),
    "vessels_struck": N_("Vessels struck"),
    "killed": N_("Killed"),
    "survivors": N_("Survivors"),
    "summary": N_("Summary"),
    "notes": N_("Notes"),
    "disputed_fields": N_("Disputed fields"),
    POSITION: N_("Position (latitude, longitude)"),
    ADDED_BY: N_("Your name (who is adding this)"),
    SOURCES: N_("Sources"),
    "outlet": N_("Outlet"),
    "title": N_("Title"),
    "url": "URL",
    "published": N_("Publication date"),
}
HELP = {
    "date": N_("The day it happened (or began), not the day it was reported."),
    "end_date": N_("Only for incidents lasting days, such as a pursuit; leave empty otherwise."),
    "date_precision": N_(
        "How well the date is known: day = the exact day; month = only the month is known "
        "(give the 1st); approximate = within a few days. Never claim more than the reports say."
    ),
    "event_type": N_("What was done to the vessel."),
    "outcome": N_("What came of it, as far as the reports say."),
    "summary": N_("A short account in your own words; do not paste the article's sentences."),
    # {separator} is LIST_SEPARATOR, filled in by help_text().
    "former_names": N_("Earlier names of the vessel; separate several with '{separator}'."),
    "imo": N_(
        "7 digits, the last a check digit, so most typing errors are caught. 'IMO 9304667' is "
        "fine. Leave empty for small boats without one."
    ),
    "mmsi": N_(
        "9 digits from AIS. The first three (the MID) name the state that issued it: a MID "
        "that does not match the flag raises a 'possible false flag' warning."
    ),
    "flag": N_("The flag flown or claimed. Type a country name or its two-letter code to search."),
    "false_flag": N_(
        "Yes only when the flag state or the reports said the flag was flown fraudulently; "
        "unknown when that is disputed or unchecked. An MMSI from another state is only a "
        "possible false flag: the form warns about it rather than deciding."
    ),
    "registry": N_("The registry the vessel is actually on, where known."),
    "linked_to": N_("States or networks the vessel is linked to; separate with '{separator}'."),
    "sanctions": N_("The sanctions designation, e.g. 'OFAC 2024-06', where known."),
    POSITION: N_(
        "Click the map above, find a place above, or type coordinates in any common notation: "
        "10.5, -66.9 · 10°30'N 66°55'W · N10 30.5 W66 55. Latitude first when there are no "
        "N/S/E/W letters."
    ),
    "place": N_("In words, e.g. 'off the coast of Sucre, Venezuela'."),
    "location_precision": N_(
        "How well the position is known: exact = reported coordinates; approximate = within "
        "tens of kilometres; region = only the sea area is known and the point is a "
        "placeholder. The map marks the last two with a dashed ring."
    ),
    SOURCES: N_(
        "At least one published source: outlet and http(s) URL; title and publication date "
        "where known. Empty rows are ignored."
    ),
    "notes": N_("Conflicts between sources, doubts, and what you did not adopt and why."),
    ADDED_BY: N_("Recorded with the incident as who added it."),
}


def help_text(name: str) -> str | None:
    """The help of a form field in the current language, or None when it has none."""
    text = HELP.get(name)
    return None if text is None else _(text).replace("{separator}", LIST_SEPARATOR)


def section_title(title: str) -> str:
    """A title from ``form_layout`` in the current language."""
    return _(title)


class WidgetKind(StrEnum):
    """How a form field is drawn."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    LIST = "list"
    DATE = "date"
    CHOICE = "choice"
    FLAG = "flag"
    POSITION = "position"
    SOURCES = "sources"


def _annotation_types(annotation: object) -> set[object]:
    """The types a field annotation allows: ``date | None`` gives {date, NoneType}."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set(typing.get_args(annotation))
    return {annotation}


def widget_kind(name: str) -> WidgetKind:
    """The widget for a form field, decided from the schema's type for it."""
    special = {
        POSITION: WidgetKind.POSITION,
        SOURCES: WidgetKind.SOURCES,
        "flag": WidgetKind.FLAG,
        ADDED_BY: WidgetKind.TEXT,
    }
    if name in special:
        return special[name]
    annotation = IncidentDraft.model_fields[name].annotation
    if vocabulary_of(name) is not None:
        return WidgetKind.CHOICE
    if dt.date in _annotation_types(annotation):
        return WidgetKind.DATE
    if typing.get_origin(annotation) is tuple:
        return WidgetKind.LIST
    return WidgetKind.LONG_TEXT if name in LONG_TEXT_FIELDS else WidgetKind.TEXT


def vocabulary_of(name: str) -> type[Vocabulary] | None:
    """The vocabulary a draft field takes its values from, or None."""
    annotation = IncidentDraft.model_fields[name].annotation if name in DRAFT_FIELDS else None
    if isinstance(annotation, type) and issubclass(annotation, Vocabulary):
        return annotation
    return None


def source_part_kind(part: str) -> WidgetKind:
    """The widget for one part of a source row: a date picker for dates, else a text box."""
    annotation = Source.model_fields[part].annotation
    return WidgetKind.DATE if dt.date in _annotation_types(annotation) else WidgetKind.TEXT


def default_choice(vocabulary: type[Vocabulary]) -> str | None:
    """The value a choice starts at: "unknown" where the vocabulary has it, else none chosen."""
    return UNKNOWN_VALUE if UNKNOWN_VALUE in {member.value for member in vocabulary} else None


def flag_options() -> list[str]:
    """ "" (no flag) and every ISO 3166-1 alpha-2 code the schema accepts, by country name."""
    codes = (country.alpha_2 for country in pycountry.countries)
    return ["", *sorted((code for code in codes if country_name(code)), key=flag_label)]


DRAFT_FIELDS: tuple[str, ...] = tuple(IncidentDraft.model_fields)
SOURCE_PARTS: tuple[str, ...] = tuple(Source.model_fields)
REQUIRED_SOURCE_PARTS = frozenset(
    name for name, info in Source.model_fields.items() if info.is_required()
)


def form_layout() -> list[tuple[str, tuple[str, ...]]]:
    """The sections of the form with their fields: every draft field appears exactly once."""
    placed = {name for _title, names in SECTIONS for name in names}
    covered = placed | ({*COORDINATE_FIELDS} if POSITION in placed else set())
    others = tuple(name for name in DRAFT_FIELDS if name not in covered)
    layout = [(title, names) for title, names in SECTIONS]
    if others:
        layout.append((OTHER_SECTION, others))
    return layout


def field_label(name: str) -> str:
    """How a form field is named to people, with " *" when it must be filled."""
    label = _(LABELS[name]) if name in LABELS else name.replace("_", " ").capitalize()
    return f"{label} *" if is_required(name) else label


def is_required(name: str) -> bool:
    """Whether the form refuses to save while this field is empty."""
    if name == POSITION:
        return any(coordinate in REQUIRED_DRAFT_FIELDS for coordinate in COORDINATE_FIELDS)
    return name == ADDED_BY or name in REQUIRED_DRAFT_FIELDS


def source_field(row: int, part: str) -> str:
    """The name of one part of one source row, as problems refer to it: "sources[0].url"."""
    return f"{SOURCES}[{row}].{part}"


def source_label(row: int, part: str) -> str:
    """How one part of a source row is named: "Source 1 URL *"."""
    label = _(LABELS[part]) if part in LABELS else part.replace("_", " ").capitalize()
    marker = " *" if row == 0 and part in REQUIRED_SOURCE_PARTS else ""
    named = _("Source {number} {part}").format(
        number=row + 1, part=label.lower() if part != "url" else label
    )
    return f"{named}{marker}"


def problem_label(field_name: str) -> str:
    """The label of the form field a problem belongs to, for the message beside it."""
    if field_name.startswith(f"{SOURCES}[") and "]." in field_name:
        row, part = field_name.removeprefix(f"{SOURCES}[").split("].", 1)
        if row.isdigit():
            return source_label(int(row), part).removesuffix(" *")
    if field_name in (*DRAFT_FIELDS, POSITION, ADDED_BY, SOURCES):
        return field_label(field_name).removesuffix(" *")
    return field_name.replace("_", " ").capitalize()


# --- checking a submission ---------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """What the form held when it was sent, as the widgets give it."""

    values: Mapping[str, object]  # draft field name → text, date, chosen value or None
    position: str = ""
    sources: Sequence[Mapping[str, object]] = ()  # one mapping of SOURCE_PARTS per row
    added_by: str = ""


@dataclass(frozen=True)
class CheckedSubmission:
    """A valid draft with the editor's name, or every problem that stops it being written."""

    draft: IncidentDraft | None
    added_by: str | None
    problems: tuple[FieldProblem, ...] = field(default=())

    @property
    def is_valid(self) -> bool:
        """True when nothing stops the record being written."""
        return self.draft is not None and self.added_by is not None and not self.problems


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _source_rows(
    rows: Sequence[Mapping[str, object]],
) -> tuple[list[dict[str, object]], list[int]]:
    """The non-empty source rows as schema mappings, and the form row each came from."""
    sources: list[dict[str, object]] = []
    form_rows: list[int] = []
    for row, cells in enumerate(rows):
        filled = {part: cells.get(part) for part in SOURCE_PARTS if not _is_blank(cells.get(part))}
        if filled:
            sources.append(filled)
            form_rows.append(row)
    return sources, form_rows


def _form_field(problem: FieldProblem, form_rows: Sequence[int]) -> str:
    """The form field a schema problem belongs beside."""
    name = problem.field
    if name in COORDINATE_FIELDS:
        return POSITION
    if name.startswith(f"{SOURCES}[") and "]." in name:
        index, part = name.removeprefix(f"{SOURCES}[").split("].", 1)
        # The schema counts only the rows that were filled; the form counts every row.
        if index.isdigit() and int(index) < len(form_rows):
            return source_field(form_rows[int(index)], part)
    return name


def _check_position(text: str) -> tuple[dict[str, float], list[FieldProblem]]:
    if _is_blank(text):
        reason = _("is required: click the map, find a place, or type the coordinates")
        return {}, [FieldProblem(POSITION, reason)]
    try:
        position = parse_position(text)
    except GeocodingError as error:
        return {}, [FieldProblem(POSITION, str(error))]
    return {"latitude": position.latitude, "longitude": position.longitude}, []


def _check_added_by(text: str) -> tuple[str | None, list[FieldProblem]]:
    if _is_blank(text):
        return None, [FieldProblem(ADDED_BY, _("is required: say who is adding this incident"))]
    try:
        return TypeAdapter(RequiredText).validate_python(text), []
    except ValidationError:
        reason = _("must be a name of at most {limit} characters").format(
            limit=MAX_SHORT_TEXT_CHARS
        )
        return None, [FieldProblem(ADDED_BY, reason)]


def check_submission(submission: Submission) -> CheckedSubmission:
    """The draft and editor name when the whole form is valid, else every problem in it."""
    fields = {
        name: value
        for name, value in submission.values.items()
        if name in DRAFT_FIELDS and name not in COORDINATE_FIELDS and value is not None
    }
    coordinates, problems = _check_position(submission.position)
    fields.update(coordinates)
    sources, form_rows = _source_rows(submission.sources)
    fields[SOURCES] = sources
    added_by, name_problems = _check_added_by(submission.added_by)
    problems.extend(name_problems)
    draft: IncidentDraft | None = None
    try:
        draft = validate_draft(fields)
    except IncidentValidationError as error:
        for problem in error.problems:
            where = _form_field(problem, form_rows)
            # An unreadable position is already reported; "latitude is required" adds nothing.
            if where == POSITION and any(p.field == POSITION for p in problems):
                continue
            problems.append(FieldProblem(where, problem.reason))
    order = {name: index for index, name in enumerate(_field_order())}
    problems.sort(key=lambda problem: order.get(problem.field.split("[")[0], len(order)))
    if problems:
        return CheckedSubmission(None, None, tuple(problems))
    return CheckedSubmission(draft, added_by)


def _field_order() -> list[str]:
    return [name for _title, names in form_layout() for name in names]
