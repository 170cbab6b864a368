"""routing: work items, offers, assignments, agents' desks

Revision ID: 0004_routing
Revises: 0003_email
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_routing"
down_revision = "0003_email"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "routing_work",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("lane", sa.String(length=20), nullable=False),
        sa.Column("home_queue", sa.String(length=64), nullable=False),
        sa.Column("medium", sa.String(length=8), nullable=False),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("declined", sa.String(length=2000), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", TS, nullable=False),
        sa.Column("enqueued_epoch", sa.Float(), nullable=False),
        sa.Column("overflowed_at", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_routing_work_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_routing_work_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_work")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_routing_work_ticket_id")),
    )
    op.create_index("ix_routing_work_queue", "routing_work", ["state", "team", "lane", "medium"])
    op.create_index("ix_routing_work_answered_at", "routing_work", ["answered_at"])
    op.create_index("ix_routing_work_ended_at", "routing_work", ["ended_at"])

    op.create_table(
        "routing_offers",
        sa.Column("id", ID, nullable=False),
        sa.Column("work_id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("medium", sa.String(length=8), nullable=False),
        sa.Column("offered_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"], ["routing_work.id"], name=op.f("fk_routing_offers_work_id_routing_work")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_routing_offers_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_routing_offers_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_offers")),
    )
    op.create_index(
        "uq_routing_offer_pending",
        "routing_offers",
        ["ticket_id"],
        unique=True,
        sqlite_where=sa.text("outcome = 'pending'"),
        postgresql_where=sa.text("outcome = 'pending'"),
    )
    op.create_index("ix_routing_offers_agent", "routing_offers", ["agent_id", "outcome"])

    op.create_table(
        "routing_assignments",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("medium", sa.String(length=8), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("how", sa.String(length=12), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("load_after", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("released_at", TS, nullable=True),
        sa.Column("handle_seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_routing_assignments_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_routing_assignments_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_assignments")),
    )
    op.create_index(
        "uq_routing_assignment_active",
        "routing_assignments",
        ["ticket_id"],
        unique=True,
        sqlite_where=sa.text("released_at IS NULL"),
        postgresql_where=sa.text("released_at IS NULL"),
    )
    op.create_index(
        "ix_routing_assignments_agent", "routing_assignments", ["agent_id", "released_at"]
    )
    op.create_index("ix_routing_assignments_released", "routing_assignments", ["released_at"])

    op.create_table(
        "routing_desks",
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("load_call", sa.Integer(), nullable=False),
        sa.Column("load_chat", sa.Integer(), nullable=False),
        sa.Column("load_email", sa.Integer(), nullable=False),
        sa.Column("idle_since", TS, nullable=False),
        sa.Column("schedule", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_routing_desks_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_routing_desks")),
    )


def downgrade() -> None:
    op.drop_table("routing_desks")
    op.drop_index("ix_routing_assignments_released", table_name="routing_assignments")
    op.drop_index("ix_routing_assignments_agent", table_name="routing_assignments")
    op.drop_index("uq_routing_assignment_active", table_name="routing_assignments")
    op.drop_table("routing_assignments")
    op.drop_index("ix_routing_offers_agent", table_name="routing_offers")
    op.drop_index("uq_routing_offer_pending", table_name="routing_offers")
    op.drop_table("routing_offers")
    op.drop_index("ix_routing_work_ended_at", table_name="routing_work")
    op.drop_index("ix_routing_work_answered_at", table_name="routing_work")
    op.drop_index("ix_routing_work_queue", table_name="routing_work")
    op.drop_table("routing_work")
