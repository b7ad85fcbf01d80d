"""The schema's new bounds: ids of 4 to 9 digits, reported counts at most 1,000,000.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID_PATTERNS = (("incidents", "id"), ("reviews", "incident_id"))
COUNTS = ("vessels_struck", "killed", "survivors")


def upgrade() -> None:
    for table, column in ID_PATTERNS:
        op.drop_constraint(f"{table}_{column}_check", table, type_="check")
        op.create_check_constraint(
            f"{table}_{column}_check", table, f"\"{column}\" ~ '^INC-(\\d{{4,9}})$'"
        )
    for column in COUNTS:
        op.create_check_constraint(
            f"incidents_{column}_check1", "incidents", f'"{column}" <= 1000000'
        )


def downgrade() -> None:
    for column in COUNTS:
        op.drop_constraint(f"incidents_{column}_check1", "incidents", type_="check")
    for table, column in ID_PATTERNS:
        op.drop_constraint(f"{table}_{column}_check", table, type_="check")
        op.create_check_constraint(
            f"{table}_{column}_check", table, f"\"{column}\" ~ '^INC-(\\d{{4,}})$'"
        )
