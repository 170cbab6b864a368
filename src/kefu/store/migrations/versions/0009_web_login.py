"""web login: staff and customers sign in to the pages with a login name and a password

Revision ID: 0009_web_login
Revises: 0006_disputes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_web_login"
down_revision = "0006_disputes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("login", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_login"), ["login"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_login"), type_="unique")
        batch.drop_column("password_hash")
        batch.drop_column("login")
