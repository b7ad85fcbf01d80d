"""Valid incident fields for tests to vary, and the incident file to test against."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from dashboard import store
from dashboard.schema import AddedVia, validate_draft

REPO = Path(__file__).resolve().parent.parent
CURATED_DATA = REPO / "data" / "incidents.csv"
# Passed as a change to draft_fields, removes that field.
DROP: Any = object()


def draft_fields(**changes: object) -> dict[str, object]:
    """The fields of one valid incident as a form or JSON would give them, with ``changes``."""
    fields: dict[str, object] = {
        "date": "2025-12-10",
        "date_precision": "day",
        "event_type": "seizure",
        "vessel_name": "Test Tanker",
        "former_names": "Old Name;Older Name",
        "imo": "9304667",
        "mmsi": "",
        "vessel_type": "crude_tanker",
        "flag": "PA",
        "false_flag": "unknown",
        "registry": "",
        "linked_to": "Iran",
        "sanctions": "",
        "latitude": 12.0,
        "longitude": -63.5,
        "place": "Caribbean Sea, north of Venezuela",
        "location_precision": "region",
        "agency": "US Coast Guard",
        "outcome": "seized",
        "summary": "A test incident, seized in a test.",
        "notes": "",
        "sources": [
            {
                "outlet": "Example News",
                "title": "A tanker is seized",
                "url": "https://example.org/news/tanker",
                "published": "2025-12-11",
            }
        ],
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not DROP}


def make_incident_file(folder: Path) -> Path:
    """A copy of the curated incident file in ``folder``, or, before it exists, three samples."""
    path = folder / "incidents.csv"
    if CURATED_DATA.exists():
        shutil.copyfile(CURATED_DATA, path)
        return path
    for flag, event_type in (("PA", "seizure"), ("GY", "pursuit"), ("", "strike")):
        draft = validate_draft(
            draft_fields(
                vessel_name=f"Sample {flag or 'stateless'}", flag=flag, event_type=event_type
            )
        )
        store.append_incident(draft, added_by="tests", added_via=AddedVia.CURATED, path=path)
    return path


def report_line(*fields: object) -> None:
    """Print ``fields`` as one line in a single write, for a test reading a worker's output.

    print(a, b) writes each field and the line break separately, and with PYTHONUNBUFFERED (as
    in CI and the Docker image) each is its own write: a worker killed between them left a
    torn line such as "INC-0232" that its test could not parse. One short write to a pipe is
    whole or absent.
    """
    sys.stdout.write(" ".join(map(str, fields)) + "\n")
    sys.stdout.flush()
