"""What PostgreSQL itself enforces, from tables generated from the schema, and the migrations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from incident_samples import draft_fields

from dashboard.schema import COLUMNS, REVIEW_COLUMNS, AddedVia, validate_draft
from dashboard.stores.postgres import PostgresStore, incidents, metadata, reviews


@pytest.fixture
def pg_store(postgres_url):
    store = PostgresStore(postgres_url)
    yield store
    store.close()


def test_the_tables_have_exactly_the_schemas_columns():
    assert [c.name for c in incidents.columns if c.name != "number"] == list(COLUMNS)
    assert [c.name for c in reviews.columns if c.name != "seq"] == list(REVIEW_COLUMNS)


def test_the_migrated_database_matches_the_tables_the_schema_generates(pg_store):
    # A change to dashboard/schema.py without a new Alembic revision fails here.
    with pg_store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def _stored_row(store: PostgresStore) -> str:
    incident = store.append(
        validate_draft(draft_fields()), added_by="tests", added_via=AddedVia.CLI
    )
    return incident.id


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("latitude", 91.0),  # beyond the pole
        ("longitude", -180.5),  # beyond the antimeridian
        ("event_type", "raid"),  # not in the vocabulary
        ("killed", -1),  # counts are never negative
        ("agency", ""),  # required text may not be empty
        ("place", None),  # required: NOT NULL
        ("sources", []),  # at least one source
        ("id", "X-1"),  # the id form INC-NNNN
    ],
)
def test_the_database_refuses_what_the_schema_refuses(pg_store, column, value):
    incident_id = _stored_row(pg_store)
    with pytest.raises(sa.exc.IntegrityError), pg_store.engine.begin() as connection:
        connection.execute(
            sa.update(incidents).where(incidents.c.id == incident_id).values({column: value})
        )


def test_the_review_log_is_append_only(pg_store):
    incident_id = _stored_row(pg_store)
    pg_store.record_review(incident_id, "verified", reviewer="ed")
    for statement in (sa.update(reviews).values(decision="rejected"), sa.delete(reviews)):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), pg_store.engine.begin() as c:
            c.execute(statement)
    assert [r.decision for r in pg_store.reviews()] == ["verified"]


def test_a_review_of_an_unknown_incident_is_refused(pg_store):
    from dashboard.errors import IncidentValidationError

    with pytest.raises(IncidentValidationError, match="INC-0999"):
        pg_store.record_review("INC-0999", "verified", reviewer="ed")


def test_a_change_other_than_an_insert_makes_replicas_read_everything_again(pg_store):
    incident_id = _stored_row(pg_store)
    before = pg_store.refresh()
    with pg_store.engine.begin() as connection:
        connection.execute(
            sa.update(incidents).where(incidents.c.id == incident_id).values(agency="Navy")
        )
    assert pg_store.changes_since(before.cursor) is None
    assert pg_store.refresh().result.incidents["agency"].tolist() == ["Navy"]


def test_the_migrated_database_has_every_check_the_schema_generates(pg_store):
    # compare_metadata does not look at CHECK constraints; a new bound in the schema without
    # a migration adding it fails here.
    generated = {
        constraint.name
        for table in (incidents, reviews)
        for constraint in table.constraints
        if isinstance(constraint, sa.CheckConstraint)
    }
    with pg_store.engine.connect() as connection:
        present = set(
            connection.execute(
                sa.text(
                    "SELECT conname FROM pg_constraint WHERE contype = 'c' "
                    "AND conrelid IN ('incidents'::regclass, 'reviews'::regclass)"
                )
            ).scalars()
        )
    assert generated == present


@pytest.mark.parametrize(("column", "value"), [("killed", 1_000_001), ("id", "INC-1234567890")])
def test_the_database_refuses_the_schemas_new_bounds(pg_store, column, value):
    incident_id = _stored_row(pg_store)
    with pytest.raises(sa.exc.IntegrityError), pg_store.engine.begin() as connection:
        connection.execute(
            sa.update(incidents).where(incidents.c.id == incident_id).values({column: value})
        )
