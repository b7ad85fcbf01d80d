"""PostgreSQL as the shared store of several app replicas (SQLAlchemy 2 Core over psycopg 3).

The tables are generated from the pydantic schema (``Incident`` and ``Review``), so there is no
second column list: each field's type, whether it may be empty, its vocabulary, its bounds and
its pattern become the column's type, NOT NULL and CHECK constraints. Reviews live in their own
append-only table. Ids come from a sequence, formatted ``INC-NNNN`` as in the CSV file.

Writes that must see a consistent record take transaction-level advisory locks: one keyed on the
editor (the write-rate count), one per identity of the vessel (IMO and each name, for the
duplicate check), and last the short "id order" lock around numbering, inserting and committing,
so rows become visible in id order and a replica can read just the rows after the last it saw.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import types
import typing
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import annotated_types
import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection, Engine

from dashboard.checks import DUPLICATE_WINDOW
from dashboard.errors import FieldProblem, IncidentValidationError, InterdictionTrackerError
from dashboard.schema import (
    COLUMNS,
    REVIEW_COLUMNS,
    AddedVia,
    Incident,
    IncidentDraft,
    Review,
    Verification,
    Vocabulary,
    format_incident_id,
    validate_incident,
    validate_review,
)
from dashboard.store import LoadResult, typed_incidents
from dashboard.stores.base import (
    AddResult,
    Changes,
    RateLimit,
    Snapshot,
    SnapshotCache,
    StoreUnavailableError,
    new_duplicates,
    now_utc,
    seconds_until_free,
)

LOG = logging.getLogger(__name__)
T = TypeVar("T")
CONNECT_TIMEOUT_SECONDS = 3
# Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
EDITOR_LOCK, VESSEL_LOCK, ID_ORDER_LOCK = 11_001, 11_002, 11_003
# How often a write is tried again after the connection was lost before it began.
WRITE_ATTEMPTS = 3

metadata = sa.MetaData()
incident_number = sa.Sequence("incident_number", metadata=metadata, start=1)


# --- tables from the schema ----------------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """The field's base type, whether None is allowed, and every constraint found on the way."""
    found: list[Any] = []
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                found.extend(getattr(item, "metadata", [item]))
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, nullable, found


def _coordinate_limit(validators: list[Any]) -> float | None:
    """The ± range a schema validator like ``_coordinate_range("latitude", 90)`` enforces."""
    # The limit lives in the validator's closure; reading it keeps the schema its only source.
    for validator in validators:
        function = getattr(validator, "func", None)
        closure = getattr(function, "__closure__", None)
        if function is None or not closure:
            continue
        cells = dict(zip(function.__code__.co_freevars, closure, strict=True))
        if "limit" in cells:
            return cells["limit"].cell_contents
    return None


def _column(
    name: str, model: type[BaseModel], table: str
) -> tuple[sa.Column, list[sa.CheckConstraint]]:
    """One column and its CHECK constraints, from the model field of that name."""
    field = model.model_fields[name]
    base, nullable, inner = _unwrap(field.annotation)
    constraints = [*field.metadata, *inner]
    nullable = nullable or (not field.is_required() and field.default is None)
    checks: list[str] = []
    column_sql = f'"{name}"'
    if isinstance(base, type) and issubclass(base, Vocabulary):
        kind: Any = sa.Text()
        values = ", ".join(f"'{member.value}'" for member in base)
        checks.append(f"{column_sql} IN ({values})")
    elif base is dt.datetime:
        kind = sa.DateTime(timezone=True)
    elif base is dt.date:
        kind = sa.Date()
    elif base is float:
        kind = sa.Double()
    elif base is int:
        kind = sa.Integer()
    elif base is str:
        kind = sa.Text()
    elif typing.get_origin(base) is tuple:
        (item, _ellipsis) = typing.get_args(base)
        kind = (
            pg.JSONB()
            if inspect.isclass(item) and issubclass(item, BaseModel)
            else pg.ARRAY(sa.Text())
        )
    else:  # a new kind of field: say so rather than store it wrongly
        raise TypeError(f"no PostgreSQL column type for {name}: {base!r}")
    for item in constraints:
        if isinstance(item, annotated_types.Ge):
            checks.append(f"{column_sql} >= {item.ge}")
        elif isinstance(item, annotated_types.Le):
            checks.append(f"{column_sql} <= {item.le}")
        elif isinstance(item, annotated_types.MinLen) and isinstance(kind, pg.JSONB):
            checks.append(f"jsonb_array_length({column_sql}) >= {item.min_length}")
        elif isinstance(item, annotated_types.MinLen) and isinstance(kind, sa.Text):
            checks.append(f"char_length({column_sql}) >= {item.min_length}")
        elif isinstance(item, annotated_types.MaxLen) and isinstance(kind, sa.Text):
            checks.append(f"char_length({column_sql}) <= {item.max_length}")
        elif getattr(item, "pattern", None):
            checks.append(f"{column_sql} ~ '{item.pattern}'")
    if base is float and (limit := _coordinate_limit(constraints)) is not None:
        checks.append(f"{column_sql} BETWEEN {-limit} AND {limit}")
    is_list = isinstance(kind, pg.ARRAY)
    column = sa.Column(
        name,
        kind,
        nullable=nullable and not is_list,
        server_default=sa.text("'{}'") if is_list else None,
    )
    named = [
        sa.CheckConstraint(sql, name=f"{table}_{name}_check{index or ''}")
        for index, sql in enumerate(checks)
    ]
    return column, named


def _table(name: str, model: type[BaseModel], columns: Sequence[str], *extra: Any) -> sa.Table:
    parts: list[Any] = []
    checks: list[sa.CheckConstraint] = []
    for column_name in columns:
        column, column_checks = _column(column_name, model, name)
        parts.append(column)
        checks.extend(column_checks)
    return sa.Table(name, metadata, *extra, *parts, *checks)


incidents = _table(
    "incidents",
    Incident,
    COLUMNS,
    # The sequence number behind the id: rows are read back in this order.
    sa.Column("number", sa.BigInteger, nullable=False, unique=True),
)
incidents.c.id.primary_key = True
incidents.primary_key = sa.PrimaryKeyConstraint(incidents.c.id, name="incidents_pkey")
sa.Index("incidents_added_by_at", incidents.c.added_by, incidents.c.added_at)
sa.Index("incidents_date", incidents.c.date)

reviews = _table(
    "reviews",
    Review,
    REVIEW_COLUMNS,
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
)
reviews.append_constraint(
    sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name="reviews_incident_id_fkey")
)
sa.Index("reviews_reviewer_at", reviews.c.reviewer, reviews.c.reviewed_at)

# Bumped by any change other than an insert, so readers know to read everything again.
generation = sa.Table(
    "store_generation",
    metadata,
    sa.Column("singleton", sa.Boolean, primary_key=True, server_default=sa.true()),
    sa.Column("value", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("singleton", name="store_generation_one_row"),
)

# Triggers and functions Alembic does not generate: the migrations run these.
EXTRA_DDL_UP = (
    "INSERT INTO store_generation (singleton, value) VALUES (true, 0) ON CONFLICT DO NOTHING",
    """CREATE FUNCTION bump_store_generation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE store_generation SET value = value + 1; RETURN NULL; END $$""",
    """CREATE TRIGGER incidents_changed AFTER UPDATE OR DELETE OR TRUNCATE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION bump_store_generation()""",
    """CREATE FUNCTION refuse_review_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the review log is append-only: add a new decision instead'; END $$""",
    """CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_review_change()""",
)
EXTRA_DDL_DOWN = (
    "DROP TRIGGER IF EXISTS reviews_append_only ON reviews",
    "DROP FUNCTION IF EXISTS refuse_review_change()",
    "DROP TRIGGER IF EXISTS incidents_changed ON incidents",
    "DROP FUNCTION IF EXISTS bump_store_generation()",
)


# --- rows and frames ----------------------------------------------------------------------------


def _row_values(record: BaseModel, columns: Sequence[str]) -> dict[str, object]:
    """A record's values as the columns hold them."""
    values = record.model_dump(mode="python")
    for name in columns:
        value = values[name]
        if isinstance(value, tuple) and value and isinstance(value[0], dict):
            values[name] = json.loads(json.dumps(value, default=str))
        elif isinstance(value, tuple):
            values[name] = list(value)
        elif isinstance(value, Vocabulary):
            values[name] = value.value
    return {name: values[name] for name in columns}


def _sources(text: str) -> tuple[dict[str, Any], ...]:
    """Sources from their JSON text as model_dump gives them (every key, dates as dates)."""
    return tuple(
        {
            "outlet": source["outlet"],
            "title": source.get("title"),
            "url": source["url"],
            "published": dt.date.fromisoformat(source["published"])
            if source.get("published")
            else None,
        }
        for source in json.loads(text)
    )


def _loaded_columns() -> list[sa.ColumnElement[Any]]:
    """The incident columns as a load selects them: lists and sources left to us to convert."""
    # SQLAlchemy's per-item ARRAY processing and psycopg's JSON decoding of every row cost
    # seconds at 100,000 rows; sources and lists repeat a lot, so each distinct text is
    # decoded once in _columns_of instead.
    selected: list[sa.ColumnElement[Any]] = []
    for name in COLUMNS:
        column = incidents.c[name]
        if isinstance(column.type, pg.JSONB):
            selected.append(sa.cast(column, sa.Text).label(name))
        elif isinstance(column.type, pg.ARRAY):
            selected.append(sa.type_coerce(column, sa.types.NullType()).label(name))
        else:
            selected.append(column)
    return selected


def _columns_of(rows: Sequence[sa.Row]) -> dict[str, list[object]]:
    """Rows as the loader's columns of model_dump values (the database already checked them)."""
    # By position, one column at a time: a mapping lookup per cell costs seconds at 100,000.
    columns: dict[str, list[object]] = {}
    for index, name in enumerate(COLUMNS):
        values = [row[index] for row in rows]
        if name == "sources":
            decoded: dict[str, tuple[dict[str, Any], ...]] = {}
            values = [
                decoded[text] if text in decoded else decoded.setdefault(text, _sources(text))
                for text in values
            ]
        elif isinstance(incidents.c[name].type, pg.ARRAY):
            shared: dict[tuple[str, ...], tuple[str, ...]] = {}
            values = [shared.setdefault(tuple(value), tuple(value)) for value in values]
        columns[name] = values
    return columns


def _review_of(row: sa.Row) -> Review:
    return validate_review({name: row._mapping[name] for name in REVIEW_COLUMNS})


def _incident_of(row: sa.Row) -> Incident:
    fields = {name: row._mapping[name] for name in COLUMNS}
    fields["sources"] = [dict(source) for source in fields["sources"]]
    return validate_incident(fields)


def _vessel_keys(draft: IncidentDraft) -> list[str]:
    """Every identity by which another incident could be the same vessel (see checks.py)."""
    names = [draft.vessel_name, *draft.former_names]
    keys = {f"name:{' '.join(name.casefold().split())}" for name in names if name}
    if draft.imo:
        keys.add(f"imo:{draft.imo}")
    return sorted(keys)


# --- the store -----------------------------------------------------------------------------------


class StoreSchemaError(InterdictionTrackerError):
    """The database has no incident tables yet (or older ones): run ``db init``."""


def _is_connection_error(error: sa.exc.DBAPIError) -> bool:
    return bool(error.connection_invalidated) or isinstance(
        error, sa.exc.OperationalError | sa.exc.InterfaceError
    )


class PostgresStore:
    """Incidents and reviews in PostgreSQL, shared by every replica that opens the same URL."""

    def __init__(self, url: str | sa.URL, *, engine: Engine | None = None) -> None:
        self.url = sa.make_url(url)
        self.location = self.url.render_as_string(hide_password=True)
        self.engine = engine or sa.create_engine(
            self.url,
            pool_pre_ping=True,
            pool_size=2,
            max_overflow=4,
            # A replica must not hang on a database that is gone: fail fast, say so, retry later.
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            hide_parameters=True,
        )
        self._cache = SnapshotCache(self)

    def __repr__(self) -> str:
        return f"PostgresStore({self.location!r})"

    # --- connections and failures ----------------------------------------------------------

    @contextmanager
    def _connect(self, *, isolation: str | None = None) -> Iterator[Connection]:
        """A connection in one transaction, committed at the end; lost connections in words.

        A connection lost before the commit was sent raises StoreUnavailableError (nothing was
        written); one lost while committing raises it with ``may_have_written`` set.
        """
        engine = (
            self.engine.execution_options(isolation_level=isolation) if isolation else self.engine
        )
        committing = False
        try:
            with engine.connect() as connection:
                transaction = connection.begin()
                try:
                    yield connection
                except BaseException:
                    if transaction.is_active:
                        transaction.rollback()
                    raise
                committing = True
                transaction.commit()
        except sa.exc.DBAPIError as error:
            if _is_connection_error(error):
                # The driver's text may name host and user; it is logged without the URL's
                # password (never part of it) and the page only ever gets our plain message.
                LOG.warning(
                    "incident database %s not reachable: %s",
                    self.location,
                    type(error.orig).__name__,
                )
                raise StoreUnavailableError(may_have_written=committing) from None
            if type(error.orig).__name__ == "UndefinedTable":
                raise StoreSchemaError(
                    f"{self.location} has no incident tables yet: run `python -m dashboard db init`"
                ) from None
            raise

    def _retrying(self, action: Callable[[], T]) -> T:
        """``action``, tried again while the connection was lost before anything was sent."""
        # A commit whose answer was lost may have happened: trying again could store the
        # incident twice, so that case goes back to the caller (the form's duplicate check
        # then shows the incident if it was saved).
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return action()
            except StoreUnavailableError as error:
                if error.may_have_written or attempt == WRITE_ATTEMPTS - 1:
                    raise
                self.engine.dispose()
        raise AssertionError("unreachable")

    # --- schema ------------------------------------------------------------------------------

    def create_schema(self) -> None:
        """Create or migrate the tables to the latest revision (Alembic)."""
        from dashboard.stores.migrations import upgrade

        upgrade(self.engine)

    def is_empty(self) -> bool:
        """Whether the store holds no incident."""
        with self._connect() as connection:
            return (
                connection.execute(sa.select(sa.func.count()).select_from(incidents)).scalar() == 0
            )

    # --- reading -----------------------------------------------------------------------------

    def _cursor(self, connection: Connection) -> tuple[int, int, int]:
        row = connection.execute(
            sa.select(
                sa.select(generation.c.value).scalar_subquery(),
                sa.select(sa.func.coalesce(sa.func.max(incidents.c.number), 0)).scalar_subquery(),
                sa.select(sa.func.coalesce(sa.func.max(reviews.c.seq), 0)).scalar_subquery(),
            )
        ).one()
        return (int(row[0] or 0), int(row[1]), int(row[2]))

    def version(self) -> Hashable:
        """Generation, last incident number and last review: changes with every write."""
        with self._connect() as connection:
            return self._cursor(connection)

    def load(self) -> Snapshot:
        """Every incident and review, read in one consistent snapshot of the database."""
        with self._connect(isolation="REPEATABLE READ") as connection:
            cursor = self._cursor(connection)
            rows = connection.execute(
                sa.select(*_loaded_columns()).order_by(incidents.c.number)
            ).all()
            review_rows = connection.execute(sa.select(reviews).order_by(reviews.c.seq)).all()
        found = tuple(_review_of(row) for row in review_rows)
        frame = typed_incidents(_columns_of(rows), found)
        return Snapshot(LoadResult(frame, ()), cursor, cursor, found)

    def changes_since(self, cursor: Hashable) -> Changes | None:
        """The incidents and reviews after ``cursor``; None when anything else changed."""
        generation_seen, last_number, last_review = cursor  # type: ignore[misc]
        with self._connect(isolation="REPEATABLE READ") as connection:
            now = self._cursor(connection)
            if now[0] != generation_seen:
                return None
            rows = connection.execute(
                sa.select(*_loaded_columns())
                .where(incidents.c.number > last_number)
                .order_by(incidents.c.number)
            ).all()
            review_rows = connection.execute(
                sa.select(reviews).where(reviews.c.seq > last_review).order_by(reviews.c.seq)
            ).all()
        return Changes(
            typed_incidents(_columns_of(rows)),
            tuple(_review_of(row) for row in review_rows),
            (),
            now,
        )

    def refresh(self) -> Snapshot:
        """The current snapshot, reading only what was added since the last one."""
        return self._cache.refresh()

    def stored_incidents(self) -> list[Incident]:
        """Every record as stored, in id order."""
        with self._connect() as connection:
            rows = connection.execute(sa.select(incidents).order_by(incidents.c.number)).all()
        return [_incident_of(row) for row in rows]

    def reviews(self) -> list[Review]:
        """The review log, oldest first."""
        with self._connect() as connection:
            rows = connection.execute(sa.select(reviews).order_by(reviews.c.seq)).all()
        return [_review_of(row) for row in rows]

    # --- writing -----------------------------------------------------------------------------

    @staticmethod
    def _lock(connection: Connection, namespace: int, key: str) -> None:
        connection.execute(
            sa.select(sa.func.pg_advisory_xact_lock(namespace, sa.func.hashtext(key)))
        )

    def _insert(
        self, connection: Connection, drafts: Sequence[IncidentDraft], stamp: dict[str, object]
    ) -> list[Incident]:
        """Number and insert the drafts; the caller commits (the id order lock is held)."""
        self._lock(connection, ID_ORDER_LOCK, "ids")
        stored: list[Incident] = []
        for draft in drafts:
            number = connection.execute(incident_number.next_value()).scalar_one()
            incident = validate_incident({**dict(draft), **stamp, "id": format_incident_id(number)})
            stored.append(incident)
        if stored:
            values = [
                {**_row_values(incident, COLUMNS), "number": _number(incident)}
                for incident in stored
            ]
            connection.execute(sa.insert(incidents), values)
        return stored

    def _rate_wait(
        self, connection: Connection, editor: str, rate_limit: RateLimit, now: dt.datetime
    ) -> float | None:
        self._lock(connection, EDITOR_LOCK, editor)
        since = now - dt.timedelta(seconds=rate_limit.window_seconds)
        added = sa.select(incidents.c.added_at.label("at")).where(
            incidents.c.added_by == editor, incidents.c.added_at > since
        )
        reviewed = sa.select(reviews.c.reviewed_at.label("at")).where(
            reviews.c.reviewer == editor, reviews.c.reviewed_at > since
        )
        times = list(connection.execute(sa.union_all(added, reviewed)).scalars())
        return seconds_until_free(times, rate_limit, now)

    def _near(self, connection: Connection, draft: IncidentDraft) -> pd.DataFrame:
        """The incidents whose dates come within the duplicate window of the draft's."""
        window = DUPLICATE_WINDOW  # checks.py's one definition of "around the same date"
        first, last = draft.date - window, (draft.end_date or draft.date) + window
        rows = connection.execute(
            sa.select(*_loaded_columns())
            .where(incidents.c.date <= last)
            .where(sa.func.coalesce(incidents.c.end_date, incidents.c.date) >= first)
        ).all()
        ids = [row[COLUMNS.index("id")] for row in rows]
        decided = (
            connection.execute(
                sa.select(reviews.c.incident_id, reviews.c.decision)
                .where(reviews.c.incident_id.in_(ids))
                .order_by(reviews.c.seq)
            ).all()
            if ids
            else []
        )
        found = [
            Review(incident_id=i, decision=d, reviewer="-", reviewed_at=now_utc())
            for i, d in decided
        ]
        return typed_incidents(_columns_of(rows), found)

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
        """Rate count, duplicate check and insert in one transaction, under advisory locks."""

        def attempt() -> AddResult:
            now = now_utc()
            with self._connect() as connection:
                # The lock order every writer keeps: editor, the vessel's keys (sorted), ids.
                if rate_limit is not None:
                    wait = self._rate_wait(connection, added_by, rate_limit, now)
                    if wait is not None:
                        return AddResult(retry_after=wait)
                for key in _vessel_keys(draft):
                    self._lock(connection, VESSEL_LOCK, key)
                duplicates = new_duplicates(
                    draft, self._near(connection, draft), confirmed_duplicates
                )
                if duplicates is not None:
                    return AddResult(duplicates=duplicates)
                stamp = _stamp(added_by, added_via, verification, now)
                (incident,) = self._insert(connection, [draft], stamp)
            return AddResult(incident=incident)

        return self._retrying(attempt)

    def append(
        self,
        draft: IncidentDraft,
        *,
        added_by: str,
        added_via: AddedVia,
        verification: Verification = Verification.UNVERIFIED,
    ) -> Incident:
        """The stored incident, with the next number from the sequence."""

        def attempt() -> Incident:
            with self._connect() as connection:
                stamp = _stamp(added_by, added_via, verification, now_utc())
                (incident,) = self._insert(connection, [draft], stamp)
            return incident

        return self._retrying(attempt)

    def import_many(
        self,
        drafts: Sequence[IncidentDraft],
        *,
        added_by: str,
        verification: Verification = Verification.UNVERIFIED,
    ) -> list[Incident]:
        """The stored incidents: one transaction, so all of them or none."""
        with self._connect() as connection:
            stamp = _stamp(added_by, AddedVia.IMPORT, verification, now_utc())
            return self._insert(connection, drafts, stamp)

    def restore(self, incidents_to_keep: Sequence[Incident]) -> None:
        """Insert whole records (ids and provenance kept) into an empty store, in one go."""
        with self._connect() as connection:
            self._lock(connection, ID_ORDER_LOCK, "ids")
            if connection.execute(sa.select(sa.func.count()).select_from(incidents)).scalar():
                raise IncidentValidationError(
                    [
                        FieldProblem(
                            "store", "already holds incidents; restore only into an empty one"
                        )
                    ]
                )
            if not incidents_to_keep:
                return
            values = [
                {**_row_values(incident, COLUMNS), "number": _number(incident)}
                for incident in incidents_to_keep
            ]
            connection.execute(sa.insert(incidents), values)
            highest = max(value["number"] for value in values)
            connection.execute(sa.select(sa.func.setval("incident_number", highest)))

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
        review = validate_review(
            {
                "incident_id": incident_id,
                "decision": decision,
                "reviewer": reviewer,
                "reviewed_at": now_utc(),
                "note": note,
            }
        )

        def attempt() -> Review | float:
            with self._connect() as connection:
                if rate_limit is not None:
                    wait = self._rate_wait(connection, reviewer, rate_limit, review.reviewed_at)
                    if wait is not None:
                        return wait
                self._lock(connection, ID_ORDER_LOCK, "ids")
                connection.execute(sa.insert(reviews), _row_values(review, REVIEW_COLUMNS))
            return review

        try:
            return self._retrying(attempt)
        except sa.exc.IntegrityError:
            raise IncidentValidationError(
                [FieldProblem("incident_id", f"{incident_id} is not an incident in the store")]
            ) from None

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _stamp(
    added_by: str, added_via: AddedVia, verification: Verification, now: dt.datetime
) -> dict[str, object]:
    return {
        "added_by": added_by,
        "added_via": added_via,
        "verification": verification,
        "added_at": now,
    }


def _number(incident: Incident) -> int:
    from dashboard.schema import incident_number as number_of

    number = number_of(incident.id)
    assert number is not None  # the schema's id pattern guarantees it
    return number


__all__ = ["PostgresStore", "incidents", "metadata", "reviews"]
