"""Incidents shaped for people: labels instead of codes, one display frame for every table.

Plain pandas, no Streamlit, so the pages, the map popups and the tests share one wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard import store
from dashboard.i18n import N_, _, ngettext, vocabulary_label
from dashboard.schema import (
    VOCABULARIES,
    DatePrecision,
    EventType,
    FalseFlag,
    LocationPrecision,
    Outcome,
    Verification,
    flag_label,
)

# The table's columns in reading order: which vessel and when first, so that a phone (390 px)
# still shows them; then how sure we are; provenance last.
DISPLAY_COLUMNS = {
    "vessel_name": "Vessel",
    "date": "Date",
    "event_type": "Event",
    "flag": "Flag",
    "verification": "Verification",
    "date_precision": "Date precision",
    "location_precision": "Location precision",
    "end_date": "End date",
    "outcome": "Outcome",
    "casualties": "Casualties",
    "former_names": "Former names",
    "imo": "IMO",
    "mmsi": "MMSI",
    "false_flag": "False flag",
    "vessel_type": "Vessel type",
    "agency": "Agency",
    "place": "Place",
    "linked_to": "Linked to",
    "sanctions": "Sanctions",
    "summary": "Summary",
    "notes": "Notes",
    "disputed_fields": "Disputed",
    "outlets": "Sources",
    "source_url": "Source link",
    "more_sources": "More source links",
    "id": "ID",
}
# Text columns whose missing values show as an empty cell, not "None".
_TEXT_COLUMNS = ("imo", "mmsi", "sanctions", "notes", "agency", "place", "summary")


UNNAMED_VESSEL = N_("Unnamed vessel")


def vessel_label(name: object) -> str:
    """The vessel's name, or "Unnamed vessel" for a boat no report names (most strikes).

    Always English: exports and feeds name vessels this way. Pages use ``shown_vessel_label``.
    """
    return UNNAMED_VESSEL if pd.isna(name) or not name else str(name)


def shown_vessel_label(name: object) -> str:
    """``vessel_label`` for a page: "Unnamed vessel" in the current language, names as written."""
    return _(UNNAMED_VESSEL) if pd.isna(name) or not name else str(name)


def flag_with_mark(flag: str | None, false_flag: str) -> str:
    """The flag as "Guyana (GY)", with a warning mark when it was flown falsely."""
    label = flag_label(flag) if flag else _("no flag / unknown")
    if false_flag == FalseFlag.YES:
        return _("{flag} ⚠ false flag").format(flag=label)
    if false_flag == FalseFlag.UNKNOWN and flag:
        return _("{flag} (flag disputed or unverified)").format(flag=label)
    return label


def _is_blank(value: object) -> bool:
    """True for a missing cell: None, NaN/NA, blank text or an empty list."""
    if isinstance(value, (list, tuple)):
        return not value
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value))


def format_dates(incident: Mapping[str, Any]) -> str:
    """The date or span, with its precision always said ("2025-12-10 (exact day)")."""
    start = pd.Timestamp(incident["date"]).date().isoformat()
    end = incident.get("end_date")
    if not _is_blank(end):
        start = _("{start} to {end}").format(start=start, end=pd.Timestamp(end).date().isoformat())
    return f"{start} ({vocabulary_label(DatePrecision(incident['date_precision']))})"


def format_place(incident: Mapping[str, Any]) -> str:
    """The place description with its location precision ("... (approximate location)")."""
    precision = vocabulary_label(LocationPrecision(incident["location_precision"]))
    return _("{place} ({precision} location)").format(place=incident["place"], precision=precision)


def strike_counts(incident: Mapping[str, Any]) -> str | None:
    """ "3 killed, 1 survivor, 2 vessels struck" from the counts reported; None if none were."""
    parts = []
    for column in ("killed", "survivors", "vessels_struck"):
        value = incident.get(column)
        if not _is_blank(value):
            parts.append(_count_words(column, int(value)))
    return ", ".join(parts) or None


def _count_words(column: str, count: int) -> str:
    """ "3 killed", "1 survivor", "2 vessels struck" in the current language."""
    if column == "killed":
        words = ngettext("{count} killed", "{count} killed", count)
    elif column == "survivors":
        words = ngettext("{count} survivor", "{count} survivors", count)
    else:
        words = ngettext("{count} vessel struck", "{count} vessels struck", count)
    return words.format(count=count)


def is_disputed(incident: Mapping[str, Any]) -> bool:
    """True when the data marks fields on which reports disagree."""
    return not _is_blank(incident.get("disputed_fields"))


# The label of the notes among incident_facts: pages show the notes apart from the others.
NOTES = N_("Notes")


def incident_facts(incident: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The incident as (label, text) pairs in reading order, blank values left out.

    One wording for the map popup, the details beside the map, the table and the review card;
    each page escapes the text for its own medium. Labels and wording are in the current
    language; the notes come last, labelled ``_(NOTES)``.
    """
    facts: list[tuple[str, str]] = [
        (_("Event"), vocabulary_label(EventType(incident["event_type"]))),
        (_("Date"), format_dates(incident)),
        (_("Verification"), vocabulary_label(Verification(incident["verification"]))),
    ]
    if former := incident.get("former_names"):
        facts.append((_("Formerly"), ", ".join(former)))
    if not _is_blank(incident.get("imo")):
        facts.append(("IMO", str(incident["imo"])))
    if not _is_blank(incident.get("mmsi")):
        facts.append(("MMSI", str(incident["mmsi"])))
    flag = None if _is_blank(incident.get("flag")) else str(incident["flag"])
    facts.append((_("Flag"), flag_with_mark(flag, incident["false_flag"])))
    facts.append((_("Outcome"), vocabulary_label(Outcome(incident["outcome"]))))
    if counts := strike_counts(incident):
        facts.append((_("Casualties"), counts))
    facts.append((_("Agency"), str(incident["agency"])))
    facts.append((_("Where"), format_place(incident)))
    if is_disputed(incident):
        facts.append((_("Disputed"), ", ".join(incident["disputed_fields"]).replace("_", " ")))
    if not _is_blank(incident.get("notes")):
        facts.append((_(NOTES), str(incident["notes"])))
    return facts


def incident_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The incidents with the columns and wording of the dashboard's tables."""
    table = pd.DataFrame(index=frame.index)
    for column in DISPLAY_COLUMNS:
        if column in frame:
            table[column] = frame[column]
    for column, vocabulary in VOCABULARIES.items():
        if column in table:
            labels = {member.value: member.label for member in vocabulary}
            table[column] = table[column].cat.rename_categories(
                [labels[value] for value in table[column].cat.categories]
            )
    table["vessel_name"] = frame["vessel_name"].map(vessel_label)
    table["flag"] = [
        flag_with_mark(None if _is_blank(flag) else flag, false_flag)
        for flag, false_flag in zip(frame["flag"], frame["false_flag"], strict=True)
    ]
    for column in ("former_names", "linked_to", "disputed_fields"):
        table[column] = frame[column].map(", ".join)
    for column in _TEXT_COLUMNS:
        table[column] = frame[column].map(lambda value: "" if _is_blank(value) else str(value))
    # A date column cannot hold "", so the optional end date is shown as text.
    table["end_date"] = frame["end_date"].map(
        lambda value: "" if _is_blank(value) else value.date().isoformat()
    )
    table["casualties"] = [strike_counts(row) or "" for row in _count_records(frame)]
    outlets, first_url, later_urls = _source_cells(frame["sources"])
    table["outlets"] = outlets
    table["source_url"] = first_url
    table["more_sources"] = later_urls
    return table[list(DISPLAY_COLUMNS)].rename(columns=DISPLAY_COLUMNS)


def _source_cells(sources: pd.Series) -> tuple[list[str], list[str], list[list[str]]]:
    """Each row's outlets (joined), first source's URL and the other sources' URLs."""
    # From the Arrow column's flattened fields: a Python list per row only for the URL lists
    # the table's link column needs. store.sources_column makes any column the Arrow one.
    column = pa.chunked_array(store.sources_column(sources.array)._pa_array).combine_chunks()
    # The offsets point into the whole child array (.values), even in a slice of the column.
    flat = column.values
    offsets = column.offsets
    outlets = pa.ListArray.from_arrays(offsets, pc.struct_field(flat, "outlet"))
    urls = pa.ListArray.from_arrays(offsets, pc.struct_field(flat, "url"))
    return (
        pc.binary_join(outlets, " · ").to_pylist(),
        pc.list_element(urls, 0).to_pylist(),
        pc.list_slice(urls, 1).to_pylist(),
    )


def _count_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame[["killed", "survivors", "vessels_struck"]].to_dict("records")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_markdown(text: object) -> str:
    """``text`` shown literally by st.markdown: no links, images, emphasis or HTML from data."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
