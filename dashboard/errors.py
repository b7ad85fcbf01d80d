"""The project's exception tree: one root, each class saying when it is raised."""

from __future__ import annotations

from dataclasses import dataclass


class InterdictionTrackerError(Exception):
    """Root of every error this project raises on purpose; catch it at the edges (CLI, pages)."""


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of one record, in words a user can act on."""

    field: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.field}: {self.reason}"


class IncidentValidationError(InterdictionTrackerError, ValueError):
    """A record broke the schema; ``problems`` lists every field at fault, not just the first."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class DataFileError(InterdictionTrackerError):
    """The data file is missing, unreadable or has the wrong header; fix the path or the file."""


class GeocodingError(InterdictionTrackerError):
    """A place name or coordinate text could not be turned into a position; wraps geopy's errors."""
