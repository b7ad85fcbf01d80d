"""The embedded default: the incident CSV file and its review log, through ``dashboard.store``."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

from dashboard import store
from dashboard.errors import DataFileError
from dashboard.schema import AddedVia, Incident, IncidentDraft, Review, Verification
from dashboard.store import FileCursor, LoadResult
from dashboard.stores.base import (
    AddResult,
    Changes,
    RateLimit,
    Snapshot,
    SnapshotCache,
    new_duplicates,
    now_utc,
    seconds_until_free,
    writes_in_window,
)

CsvCursor = tuple[FileCursor, FileCursor]


class CsvStore:
    """Incidents in one append-only CSV file, reviews in the log beside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._cache = SnapshotCache(self)

    def __repr__(self) -> str:
        return f"CsvStore({self.path!r})"

    def create_schema(self) -> None:
        """Create the file with its header row if it is missing (``db init`` for a CSV store)."""
        store.create_incident_file(self.path)

    # --- reading -------------------------------------------------------------------------------

    def version(self) -> Hashable:
        """Identity, size and modification time of the file and of its review log."""
        return (_stat_key(self.path), _stat_key(store.reviews_path(self.path)))

    def load(self) -> Snapshot:
        """The whole file and review log, read once, with the cursor where the reading ended."""
        version = self.version()
        read = store.read_incidents_since(self.path)
        reviewed = store.read_reviews_since(store.reviews_path(self.path))
        if read is None or reviewed is None:  # replaced while being read: read it again
            return self.load()
        values, problems, cursor = read
        reviews, review_problems, review_cursor = reviewed
        frame = store.typed_incidents(values, reviews)
        return Snapshot(
            LoadResult(frame, (*problems, *review_problems)),
            version,
            (cursor, review_cursor),
            tuple(reviews),
        )

    def changes_since(self, cursor: Hashable) -> Changes | None:
        """The lines appended to the file and the log since ``cursor``; None on other changes."""
        incidents_cursor, reviews_cursor = cursor  # type: ignore[misc]
        read = store.read_incidents_since(self.path, incidents_cursor)
        reviewed = store.read_reviews_since(store.reviews_path(self.path), reviews_cursor)
        if read is None or reviewed is None:
            return None
        values, problems, new_cursor = read
        reviews, review_problems, new_review_cursor = reviewed
        return Changes(
            store.typed_incidents(values),
            tuple(reviews),
            (*problems, *review_problems),
            (new_cursor, new_review_cursor),
        )

    def refresh(self) -> Snapshot:
        """The current snapshot, reading only what was appended since the last one."""
        return self._cache.refresh()

    def stored_incidents(self) -> list[Incident]:
        """Every valid record as the file holds it."""
        return store.read_stored_incidents(self.path)

    def reviews(self) -> list[Review]:
        """The review log's valid decisions, oldest first."""
        return list(self.refresh().reviews)

    # --- writing -------------------------------------------------------------------------------

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
        """Duplicate check, rate limit and append, all under the file's writers' lock."""

        def check() -> AddResult | None:
            # Under the lock nothing can be appended: this snapshot is the whole record.
            snapshot = self.refresh()
            if rate_limit is not None:
                now = now_utc()
                times = writes_in_window(snapshot, added_by, rate_limit.window_seconds, now)
                wait = seconds_until_free(times, rate_limit, now)
                if wait is not None:
                    return AddResult(retry_after=wait)
            duplicates = new_duplicates(draft, snapshot.result.incidents, confirmed_duplicates)
            return None if duplicates is None else AddResult(duplicates=duplicates)

        outcome = store.check_and_append_incident(
            draft,
            added_by=added_by,
            added_via=added_via,
            check=check,
            verification=verification,
            path=self.path,
        )
        return outcome if isinstance(outcome, AddResult) else AddResult(incident=outcome)

    def append(
        self,
        draft: IncidentDraft,
        *,
        added_by: str,
        added_via: AddedVia,
        verification: Verification = Verification.UNVERIFIED,
    ) -> Incident:
        """The stored incident, appended as one fsynced line."""
        return store.append_incident(
            draft, added_by=added_by, added_via=added_via, verification=verification, path=self.path
        )

    def import_many(
        self,
        drafts: Sequence[IncidentDraft],
        *,
        added_by: str,
        verification: Verification = Verification.UNVERIFIED,
    ) -> list[Incident]:
        """The stored incidents, all written in one swap of the file, or none."""
        return store.import_incidents(
            drafts, added_by=added_by, verification=verification, path=self.path
        )

    def restore(self, incidents: Sequence[Incident]) -> None:
        """Write whole records into a file that holds no incident yet."""
        store.restore_incidents(incidents, path=self.path)

    def record_review(
        self,
        incident_id: str,
        decision: Verification,
        *,
        reviewer: str,
        note: str | None = None,
        rate_limit: RateLimit | None = None,
    ) -> Review | float:
        """The appended review; with a rate limit, counted and written under the writers' lock."""
        if rate_limit is None:
            return store.record_review(
                incident_id, decision, reviewer=reviewer, note=note, path=self.path
            )
        if not self.path.exists():
            raise DataFileError(f"No incident file at {self.path}.")
        # The incident file's lock, then the log's (the order every writer keeps): the count
        # and the review are one step for every session and replica on this file.
        with store.writers_lock(self.path):
            now = now_utc()
            times = writes_in_window(self.refresh(), reviewer, rate_limit.window_seconds, now)
            wait = seconds_until_free(times, rate_limit, now)
            if wait is not None:
                return wait
            return store.record_review(
                incident_id, decision, reviewer=reviewer, note=note, path=self.path
            )

    def close(self) -> None:
        """Nothing to release: files are opened per call."""


def _stat_key(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)
