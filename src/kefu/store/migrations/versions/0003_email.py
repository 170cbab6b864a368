"""email channel: received mails, threads, Message-IDs, outgoing mail, addresses

Revision ID: 0003_email
Revises: 0002
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_email"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbound_mails",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("mail_from", sa.String(length=320), nullable=False),
        sa.Column("rcpt_to", sa.JSON(), nullable=False),
        sa.Column("peer", sa.String(length=100), nullable=False),
        sa.Column("rate_key", sa.String(length=330), nullable=False),
        sa.Column("header_from", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("processed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_mails_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_mails_message_id")),
    )
    op.create_index("ix_inbound_mails_status_due", "inbound_mails", ["status", "next_attempt_at"])
    op.create_index("ix_inbound_mails_rate", "inbound_mails", ["rate_key", "received_at"])

    op.create_table(
        "email_threads",
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("our_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("root_message_id", sa.String(length=500), nullable=False),
        sa.Column("last_inbound_message_id", sa.String(length=500), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("last_mailed_message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_email_threads_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_email_threads")),
    )

    op.create_table(
        "email_message_ids",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_email_message_ids_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_message_ids")),
        sa.UniqueConstraint("message_id", name=op.f("uq_email_message_ids_message_id")),
    )
    op.create_index(op.f("ix_email_message_ids_ticket_id"), "email_message_ids", ["ticket_id"])

    op.create_table(
        "outbound_mails",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(length=500), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_outbound_mails_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_mails_message_id")),
    )
    op.create_index("ix_outbound_mails_status_due", "outbound_mails", ["status", "next_attempt_at"])
    op.create_index("ix_outbound_mails_to", "outbound_mails", ["to_address", "created_at"])
    op.create_index(op.f("ix_outbound_mails_ticket_id"), "outbound_mails", ["ticket_id"])

    op.create_table(
        "email_addresses",
        sa.Column("id", ID, nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("last_bounce_at", TS, nullable=True),
        sa.Column("last_bounce_reason", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_addresses")),
        sa.UniqueConstraint("address", name=op.f("uq_email_addresses_address")),
    )

    op.create_table(
        "email_state",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_email_state")),
    )


def downgrade() -> None:
    op.drop_table("email_state")
    op.drop_table("email_addresses")
    op.drop_index(op.f("ix_outbound_mails_ticket_id"), table_name="outbound_mails")
    op.drop_index("ix_outbound_mails_to", table_name="outbound_mails")
    op.drop_index("ix_outbound_mails_status_due", table_name="outbound_mails")
    op.drop_table("outbound_mails")
    op.drop_index(op.f("ix_email_message_ids_ticket_id"), table_name="email_message_ids")
    op.drop_table("email_message_ids")
    op.drop_table("email_threads")
    op.drop_index("ix_inbound_mails_rate", table_name="inbound_mails")
    op.drop_index("ix_inbound_mails_status_due", table_name="inbound_mails")
    op.drop_table("inbound_mails")
