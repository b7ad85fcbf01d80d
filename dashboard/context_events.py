"""The context timeline: dated events that frame the interdictions (data/context.csv).

A blockade order, an operation ashore, a forfeiture filing: none is an interdiction, so none is
in the incident file, but the timeline draws them as labelled rules so escalation can be read
against them. Each row is sourced like an incident.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.errors import DataFileError, FieldProblem, IncidentValidationError
from dashboard.schema import CONTEXT_COLUMNS, ContextEvent, validate_context_event
from dashboard.store import iter_csv_records

CONTEXT_PATH = Path(__file__).resolve().parent.parent / "data" / "context.csv"


def load_context_events(
    path: Path = CONTEXT_PATH,
) -> tuple[list[ContextEvent], list[FieldProblem]]:
    """The valid events of ``path`` in date order, and a problem for each bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"Cannot read the context file {path.name}: {error}") from None
    events: list[ContextEvent] = []
    problems: list[FieldProblem] = []
    for line, record in iter_csv_records(text, columns=CONTEXT_COLUMNS, name=path.name):
        if isinstance(record, FieldProblem):
            problems.append(record)
            continue
        try:
            events.append(validate_context_event(record, line=line))
        except IncidentValidationError as error:
            problems.extend(error.problems)
    return sorted(events, key=lambda event: event.date), problems


def context_frame(events: list[ContextEvent]) -> pd.DataFrame:
    """The events as chart rows: ISO date, label, summary and the first source's outlet."""
    return pd.DataFrame(
        {
            "date": [event.date.isoformat() for event in events],
            "label": [event.label for event in events],
            "summary": [event.summary for event in events],
            "source": [event.sources[0].outlet for event in events],
        },
        columns=["date", "label", "summary", "source"],
    )
