"""Incidents shaped for people: labels instead of codes, one display frame for every table.

Plain pandas, no Streamlit, so the pages, the map popups and the tests share one wording.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard.schema import VOCABULARIES, FalseFlag, flag_label

DISPLAY_COLUMNS = {
    "id": "ID",
    "date": "Date",
    "end_date": "End date",
    "date_precision": "Date precision",
    "event_type": "Event",
    "vessel_name": "Vessel",
    "former_names": "Former names",
    "imo": "IMO",
    "flag": "Flag",
    "false_flag": "False flag",
    "vessel_type": "Vessel type",
    "outcome": "Outcome",
    "agency": "Agency",
    "place": "Place",
    "location_precision": "Location precision",
    "linked_to": "Linked to",
    "sanctions": "Sanctions",
    "summary": "Summary",
    "source_url": "Source",
    "more_sources": "More sources",
    "verification": "Verification",
}


UNNAMED_VESSEL = "Unnamed vessel"


def vessel_label(name: object) -> str:
    """The vessel's name, or "Unnamed vessel" for a boat no report names (most strikes)."""
    return UNNAMED_VESSEL if pd.isna(name) or not name else str(name)


def flag_with_mark(flag: str | None, false_flag: str) -> str:
    """The flag as "Guyana (GY)", with a warning mark when it was flown falsely."""
    label = flag_label(flag)
    if false_flag == FalseFlag.YES:
        return f"{label} ⚠ false flag"
    if false_flag == FalseFlag.UNKNOWN and flag:
        return f"{label} (flag disputed or unverified)"
    return label


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
        flag_with_mark(flag, false_flag)
        for flag, false_flag in zip(frame["flag"], frame["false_flag"], strict=True)
    ]
    for column in ("former_names", "linked_to"):
        table[column] = frame[column].map(", ".join)
    table["source_url"] = frame["sources"].map(lambda sources: sources[0]["url"])
    table["more_sources"] = frame["sources"].map(
        lambda sources: [source["url"] for source in sources[1:]]
    )
    return table[list(DISPLAY_COLUMNS)].rename(columns=DISPLAY_COLUMNS)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_markdown(text: object) -> str:
    """``text`` shown literally by st.markdown: no links, images, emphasis or HTML from data."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
