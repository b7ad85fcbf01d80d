# ruff: noqa: E501 (written by Alembic autogenerate; its long lines are kept as generated)
"""Incidents and reviews: tables written out by Alembic autogenerate from the schema's tables.

A later change to dashboard/schema.py needs a new revision (`alembic revision --autogenerate`
through dashboard.stores.migrations.alembic_config); tests/test_postgres_schema.py fails until then.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 19:34:59.856800
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from dashboard.stores.postgres import EXTRA_DDL_DOWN, EXTRA_DDL_UP

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("incident_number", start=1)))
    op.create_table(
        "incidents",
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("vessel_name", sa.Text(), nullable=True),
        sa.Column(
            "former_names",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("imo", sa.Text(), nullable=True),
        sa.Column("mmsi", sa.Text(), nullable=True),
        sa.Column("vessel_type", sa.Text(), nullable=False),
        sa.Column("flag", sa.Text(), nullable=True),
        sa.Column("false_flag", sa.Text(), nullable=False),
        sa.Column("registry", sa.Text(), nullable=True),
        sa.Column(
            "linked_to", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("sanctions", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("location_precision", sa.Text(), nullable=False),
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("announced_by", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("vessels_struck", sa.Integer(), nullable=True),
        sa.Column("killed", sa.Integer(), nullable=True),
        sa.Column("survivors", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "disputed_fields",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("sources", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("verification", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_via", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "\"added_via\" IN ('curated', 'form', 'cli', 'import')",
            name="incidents_added_via_check",
        ),
        sa.CheckConstraint(
            "\"date_precision\" IN ('day', 'month', 'approximate')",
            name="incidents_date_precision_check",
        ),
        sa.CheckConstraint(
            "\"event_type\" IN ('seizure', 'pursuit', 'boarding', 'strike', 'other')",
            name="incidents_event_type_check",
        ),
        sa.CheckConstraint(
            "\"false_flag\" IN ('yes', 'no', 'unknown')", name="incidents_false_flag_check"
        ),
        sa.CheckConstraint("\"id\" ~ '^INC-(\\d{4,})$'", name="incidents_id_check"),
        sa.CheckConstraint('"killed" >= 0', name="incidents_killed_check"),
        sa.CheckConstraint('"latitude" BETWEEN -90 AND 90', name="incidents_latitude_check"),
        sa.CheckConstraint(
            "\"location_precision\" IN ('exact', 'approximate', 'region')",
            name="incidents_location_precision_check",
        ),
        sa.CheckConstraint('"longitude" BETWEEN -180 AND 180', name="incidents_longitude_check"),
        sa.CheckConstraint(
            "\"outcome\" IN ('seized', 'under_pursuit', 'escaped', 'boarded', 'destroyed', 'released', 'returned', 'returned_to_origin', 'unknown', 'other')",
            name="incidents_outcome_check",
        ),
        sa.CheckConstraint('"survivors" >= 0', name="incidents_survivors_check"),
        sa.CheckConstraint(
            "\"verification\" IN ('verified', 'unverified', 'rejected')",
            name="incidents_verification_check",
        ),
        sa.CheckConstraint(
            "\"vessel_type\" IN ('crude_tanker', 'product_tanker', 'tanker', 'cargo_ship', 'go_fast_boat', 'semi_submersible', 'fishing_vessel', 'other', 'unknown')",
            name="incidents_vessel_type_check",
        ),
        sa.CheckConstraint('"vessels_struck" >= 0', name="incidents_vessels_struck_check"),
        sa.CheckConstraint('char_length("added_by") <= 300', name="incidents_added_by_check1"),
        sa.CheckConstraint('char_length("added_by") >= 1', name="incidents_added_by_check"),
        sa.CheckConstraint('char_length("agency") <= 300', name="incidents_agency_check1"),
        sa.CheckConstraint('char_length("agency") >= 1', name="incidents_agency_check"),
        sa.CheckConstraint(
            'char_length("announced_by") <= 300', name="incidents_announced_by_check"
        ),
        sa.CheckConstraint('char_length("flag") <= 300', name="incidents_flag_check"),
        sa.CheckConstraint('char_length("imo") <= 300', name="incidents_imo_check"),
        sa.CheckConstraint('char_length("mmsi") <= 300', name="incidents_mmsi_check"),
        sa.CheckConstraint('char_length("notes") <= 2000', name="incidents_notes_check"),
        sa.CheckConstraint('char_length("place") <= 300', name="incidents_place_check1"),
        sa.CheckConstraint('char_length("place") >= 1', name="incidents_place_check"),
        sa.CheckConstraint('char_length("registry") <= 300', name="incidents_registry_check"),
        sa.CheckConstraint('char_length("sanctions") <= 300', name="incidents_sanctions_check"),
        sa.CheckConstraint('char_length("summary") <= 1000', name="incidents_summary_check1"),
        sa.CheckConstraint('char_length("summary") >= 1', name="incidents_summary_check"),
        sa.CheckConstraint('char_length("vessel_name") <= 300', name="incidents_vessel_name_check"),
        sa.CheckConstraint('jsonb_array_length("sources") >= 1', name="incidents_sources_check"),
        sa.PrimaryKeyConstraint("id", name="incidents_pkey"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("incidents_added_by_at", "incidents", ["added_by", "added_at"], unique=False)
    op.create_index("incidents_date", "incidents", ["date"], unique=False)
    op.create_table(
        "store_generation",
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("singleton", name="store_generation_one_row"),
        sa.PrimaryKeyConstraint("singleton"),
    )
    op.create_table(
        "reviews",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("incident_id", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "\"decision\" IN ('verified', 'unverified', 'rejected')", name="reviews_decision_check"
        ),
        sa.CheckConstraint("\"incident_id\" ~ '^INC-(\\d{4,})$'", name="reviews_incident_id_check"),
        sa.CheckConstraint('char_length("note") <= 300', name="reviews_note_check"),
        sa.CheckConstraint('char_length("reviewer") <= 300', name="reviews_reviewer_check1"),
        sa.CheckConstraint('char_length("reviewer") >= 1', name="reviews_reviewer_check"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name="reviews_incident_id_fkey"),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("reviews_reviewer_at", "reviews", ["reviewer", "reviewed_at"], unique=False)
    # Triggers and functions (a generation counter, the append-only review log).
    for statement in EXTRA_DDL_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in EXTRA_DDL_DOWN:
        op.execute(statement)
    op.drop_index("reviews_reviewer_at", table_name="reviews")
    op.drop_table("reviews")
    op.drop_table("store_generation")
    op.drop_index("incidents_date", table_name="incidents")
    op.drop_index("incidents_added_by_at", table_name="incidents")
    op.drop_table("incidents")
    op.execute(sa.schema.DropSequence(sa.Sequence("incident_number")))
