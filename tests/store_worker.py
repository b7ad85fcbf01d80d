"""A process that adds sample incidents through ``open_store`` and prints each id returned.

Run as ``python tests/store_worker.py TARGET TAG COUNT [MODE]``: TARGET is a database URL or a
CSV path; COUNT 0 appends until killed. MODE ``append`` (default) appends distinct vessels,
``same`` adds one and the same vessel through ``add_incident`` and prints ``DUPLICATE`` when the
store refused it. Like append_worker.py it prints ``ready`` and waits for a line on stdin.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from incident_samples import draft_fields, report_line

from dashboard.schema import AddedVia, validate_draft
from dashboard.stores import Settings, StoreUnavailableError, open_store


def settings_for(target: str) -> Settings:
    """Settings naming a database URL or a CSV file."""
    if "://" in target:
        return Settings(database_url=target)
    return Settings(data_path=Path(target))


def main(target: str, tag: str, count: int, mode: str = "append") -> None:
    """Add ``count`` incidents (forever when 0), printing each returned id and vessel."""
    store = open_store(settings_for(target))
    store.version()  # connect before "ready", so every worker starts together
    report_line("ready")
    sys.stdin.readline()
    numbers = itertools.count() if count == 0 else range(count)
    for number in numbers:
        if mode == "same":
            draft = validate_draft(draft_fields(vessel_name="Same Vessel", imo=""))
            result = store.add_incident(draft, added_by=tag, added_via=AddedVia.FORM)
            report_line(result.incident.id if result.incident else "DUPLICATE", tag)
            continue
        draft = validate_draft(draft_fields(vessel_name=f"{tag}-{number}", imo=""))
        try:
            incident = store.append(draft, added_by=tag, added_via=AddedVia.CLI)
        except StoreUnavailableError:
            report_line("UNAVAILABLE")  # nothing was saved: the caller may try again
            continue
        report_line(incident.id, draft.vessel_name)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
