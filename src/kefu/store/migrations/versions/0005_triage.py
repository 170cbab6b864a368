"""triage: agent corrections of the classifier

Revision ID: 0005_triage
Revises: 0004_routing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_triage"
down_revision = "0004_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_corrections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("from_label", sa.String(length=60), nullable=False),
        sa.Column("to_label", sa.String(length=60), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_triage_corrections_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_corrections")),
    )
    op.create_index(op.f("ix_triage_corrections_ticket_id"), "triage_corrections", ["ticket_id"])
    op.create_index(op.f("ix_triage_corrections_at"), "triage_corrections", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_triage_corrections_at"), table_name="triage_corrections")
    op.drop_index(op.f("ix_triage_corrections_ticket_id"), table_name="triage_corrections")
    op.drop_table("triage_corrections")
