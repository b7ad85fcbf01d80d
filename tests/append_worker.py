"""A process that appends sample incidents to a file and prints each id the store returned.

Run as ``python tests/append_worker.py PATH TAG COUNT`` (COUNT 0 appends until killed). It
prints ``ready`` and waits for a line on standard input before the first append, so a test can
start many workers at the same moment.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from incident_samples import draft_fields, report_line

from dashboard import store
from dashboard.schema import AddedVia, validate_draft

# Long enough (about 2 kB) that many records straddle a page boundary of the file, where the
# kernel may stop a write cut short by SIGKILL: the torn line the store must survive.
LONG_NOTES = "A long note that makes the record span more than one page of the file. " * 25


def main(path: Path, tag: str, count: int) -> None:
    """Append ``count`` incidents named ``TAG-N`` (forever when 0), printing each returned id."""
    report_line("ready")
    sys.stdin.readline()
    numbers = itertools.count() if count == 0 else range(count)
    for number in numbers:
        draft = validate_draft(draft_fields(vessel_name=f"{tag}-{number}", notes=LONG_NOTES))
        incident = store.append_incident(draft, added_by=tag, added_via=AddedVia.CLI, path=path)
        report_line(incident.id, draft.vessel_name)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
