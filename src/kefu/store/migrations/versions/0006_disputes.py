"""e-commerce disputes: disputes, their submissions and their history

Revision ID: 0006_disputes
Revises: 0005_triage
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_disputes"
down_revision = "0005_triage"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("active_order_id", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("buyer_uid", sa.String(length=32), nullable=False),
        sa.Column("seller_uid", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("order", sa.JSON(), nullable=False),
        sa.Column("complete_bundle", sa.Boolean(), nullable=False),
        sa.Column("large", sa.Boolean(), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("seller_deadline_at", TS, nullable=False),
        sa.Column("arbitration_started_at", TS, nullable=True),
        sa.Column("arbitration_reason", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("refund_fen", sa.BigInteger(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("appeal_deadline_at", TS, nullable=True),
        sa.Column("appeals", sa.JSON(), nullable=False),
        sa.Column("buyer_submissions", sa.Integer(), nullable=False),
        sa.Column("seller_submissions", sa.Integer(), nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closure", sa.String(length=30), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_disputes_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("active_order_id", name=op.f("uq_disputes_active_order_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_disputes_state", ["state"], unique=False)
        batch_op.create_index("ix_disputes_type_opened", ["type", "opened_at"], unique=False)
        batch_op.create_index("ix_disputes_buyer_uid", ["buyer_uid"], unique=False)
        batch_op.create_index("ix_disputes_seller_uid", ["seller_uid"], unique=False)

    op.create_table(
        "dispute_submissions",
        sa.Column("id", ID, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        sa.Column("party", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=140), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_submissions_dispute_id_disputes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_submissions")),
    )
    with op.batch_alter_table("dispute_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_submissions_dispute_id"), ["dispute_id"], unique=False
        )

    op.create_table(
        "dispute_history",
        sa.Column("id", ID, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=140), nullable=False),
        sa.Column("party", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("before", sa.String(length=20), nullable=True),
        sa.Column("after", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_history_dispute_id_disputes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_history")),
    )
    with op.batch_alter_table("dispute_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_history_dispute_id"), ["dispute_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dispute_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_history_dispute_id"))
    op.drop_table("dispute_history")
    with op.batch_alter_table("dispute_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_submissions_dispute_id"))
    op.drop_table("dispute_submissions")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_seller_uid")
        batch_op.drop_index("ix_disputes_buyer_uid")
        batch_op.drop_index("ix_disputes_type_opened")
        batch_op.drop_index("ix_disputes_state")
        batch_op.drop_index(batch_op.f("ix_disputes_order_id"))
    op.drop_table("disputes")
