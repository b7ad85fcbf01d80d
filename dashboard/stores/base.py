"""The store interface every engine implements, and what the engines share.

A store keeps incidents and the review log. Pages, the form and the CLI see only this interface:
``load`` and ``changes_since`` to read (the second only what was added since a snapshot),
``add_incident`` to check and write one incident atomically, ``import_many``/``restore`` for
bulk writes, ``record_review`` and ``reviews`` for the review log, ``version`` as a cheap key that
changes whenever the data does. ``refresh`` keeps one snapshot per store up to date, reading only
what changed where the engine can.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pandas as pd

from dashboard import store
from dashboard.checks import find_duplicates
from dashboard.errors import FieldProblem, InterdictionTrackerError
from dashboard.schema import AddedVia, Incident, IncidentDraft, Review, Verification
from dashboard.store import LoadResult

UNREACHABLE_MESSAGE = "the incident database is not reachable; retrying"


class StoreUnavailableError(InterdictionTrackerError):
    """The store cannot be reached now (database down or restarting); nothing was written.

    Its message never holds a connection string; try again, the store reconnects by itself.
    """

    def __init__(
        self, message: str = UNREACHABLE_MESSAGE, *, may_have_written: bool = False
    ) -> None:
        super().__init__(message)
        # The connection was lost while a commit was under way: the write may have landed.
        self.may_have_written = may_have_written


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` writes by one editor in any ``window_seconds``, counted in the store."""

    limit: int
    window_seconds: float


@dataclass(frozen=True)
class AddResult:
    """What ``add_incident`` did: the stored incident, or why it stored nothing."""

    incident: Incident | None = None
    # The same vessel within the duplicate window, not among the ids the person confirmed.
    duplicates: pd.DataFrame | None = None
    # Seconds until the editor may write again, when the rate limit refused.
    retry_after: float | None = None

    @property
    def is_saved(self) -> bool:
        """Whether the incident was written."""
        return self.incident is not None


@dataclass(frozen=True)
class Changes:
    """What was added since a snapshot: new incidents (typed frame) and new reviews."""

    incidents: pd.DataFrame
    reviews: tuple[Review, ...]
    problems: tuple[FieldProblem, ...]
    cursor: Hashable


@dataclass(frozen=True)
class Snapshot:
    """The store's data at one version: what pages read; never mutated."""

    result: LoadResult
    version: Hashable
    cursor: Hashable
    reviews: tuple[Review, ...] = field(default=())


@runtime_checkable
class IncidentStore(Protocol):
    """What the app and the CLI need from wherever incidents are kept."""

    # Where the data lives, fit to show and log (a database URL without its password).
    location: str

    def version(self) -> Hashable:
        """A cheap key that changes whenever incidents or reviews change."""
        ...

    def load(self) -> Snapshot:
        """Everything: the valid incidents with reviews applied, and every problem."""
        ...

    def changes_since(self, cursor: Hashable) -> Changes | None:
        """What was added after the snapshot with ``cursor``; None when a full load is needed."""
        ...

    def refresh(self) -> Snapshot:
        """The current snapshot, kept per store, reading only what changed since the last one."""
        ...

    def create_schema(self) -> None:
        """Create or migrate what the store needs (``python -m dashboard db init``)."""
        ...

    def add_incident(
        self,
        draft: IncidentDraft,
        *,
        added_by: str,
        added_via: AddedVia,
        confirmed_duplicates: Sequence[str] = (),
        rate_limit: RateLimit | None = None,
        verification: Verification = Verification.UNVERIFIED,
    ) -> AddResult:
        """Check for duplicates and the editor's write rate, and insert, as one atomic step."""
        ...

    def append(
        self,
        draft: IncidentDraft,
        *,
        added_by: str,
        added_via: AddedVia,
        verification: Verification = Verification.UNVERIFIED,
    ) -> Incident:
        """The stored incident, with the next id; no checks."""
        ...

    def import_many(
        self,
        drafts: Sequence[IncidentDraft],
        *,
        added_by: str,
        verification: Verification = Verification.UNVERIFIED,
    ) -> list[Incident]:
        """The stored incidents, all or none, with consecutive new ids."""
        ...

    def restore(self, incidents: Sequence[Incident]) -> None:
        """Write whole records (ids and provenance kept) into a store that holds none."""
        ...

    def stored_incidents(self) -> list[Incident]:
        """Every record as stored (its own verification), in id order: what export dumps."""
        ...

    def record_review(
        self,
        incident_id: str,
        decision: Verification,
        *,
        reviewer: str,
        note: str | None = None,
        rate_limit: RateLimit | None = None,
    ) -> Review | float:
        """The appended review, or the seconds to wait when the reviewer's rate limit refused."""
        ...

    def reviews(self) -> list[Review]:
        """The review log, oldest first."""
        ...

    def close(self) -> None:
        """Release connections; the store may not be used afterwards."""
        ...


# --- shared by the engines ---------------------------------------------------------------------


def apply_changes(snapshot: Snapshot, changes: Changes, version: Hashable) -> Snapshot:
    """The snapshot with the new incidents appended and the new reviews applied."""
    frame = snapshot.result.incidents
    if len(changes.incidents):
        frame = (
            changes.incidents.copy()
            if frame.empty
            else store.in_one_chunk(pd.concat([frame, changes.incidents], ignore_index=True))
        )
    if changes.reviews:
        decided = {review.incident_id: review.decision.value for review in changes.reviews}
        hit = frame["id"].isin(list(decided))
        if hit.any():
            frame = frame.copy()
            frame.loc[hit, "verification"] = frame.loc[hit, "id"].map(decided).to_numpy()
    problems = (*snapshot.result.problems, *changes.problems)
    return Snapshot(
        LoadResult(frame, problems),
        version,
        changes.cursor,
        (*snapshot.reviews, *changes.reviews),
    )


class SnapshotCache:
    """One store's latest snapshot, brought up to date by reading only what changed."""

    def __init__(self, store: IncidentStore) -> None:
        self._store = store
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def refresh(self) -> Snapshot:
        """The snapshot at the store's current version (raises when the store is unreachable)."""
        with self._lock:
            version = self._store.version()
            snapshot = self._snapshot
            if snapshot is not None and snapshot.version == version:
                return snapshot
            changes = None if snapshot is None else self._store.changes_since(snapshot.cursor)
            if snapshot is not None and changes is not None:
                snapshot = apply_changes(snapshot, changes, version)
            else:
                snapshot = self._store.load()
            self._snapshot = snapshot
            return snapshot


def writes_in_window(
    snapshot: Snapshot, editor: str, window_seconds: float, now: dt.datetime
) -> list[dt.datetime]:
    """When ``editor`` added incidents or reviews within the window before ``now``."""
    since = now - dt.timedelta(seconds=window_seconds)
    frame = snapshot.result.incidents
    times = []
    if len(frame):
        added = frame.loc[frame["added_by"] == editor, "added_at"]
        times = [t.to_pydatetime() for t in added if t > pd.Timestamp(since)]
    times += [
        r.reviewed_at for r in snapshot.reviews if r.reviewer == editor and r.reviewed_at > since
    ]
    return sorted(times)


def seconds_until_free(
    times: Sequence[dt.datetime], rate_limit: RateLimit, now: dt.datetime
) -> float | None:
    """None when one more write is allowed; otherwise how long until it will be."""
    if len(times) < rate_limit.limit:
        return None
    oldest = sorted(times)[-rate_limit.limit]
    wait = (oldest + dt.timedelta(seconds=rate_limit.window_seconds) - now).total_seconds()
    return max(1.0, wait)


def new_duplicates(
    draft: IncidentDraft, incidents: pd.DataFrame, confirmed: Sequence[str]
) -> pd.DataFrame | None:
    """The same vessel's incidents near the draft's dates that were not confirmed; None if none."""
    if incidents.empty:
        return None
    found = find_duplicates(draft, incidents)
    found = found[~found["id"].isin(list(confirmed))]
    return None if found.empty else found


def now_utc() -> dt.datetime:
    """The time a write is stamped with (whole seconds, as the file keeps it)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
