"""Covering indexes on the ledger for relationships (what a member gave, and received)

Revision ID: reading_2
Revises: accounts_1
"""
from alembic import op

revision = "reading_2"
down_revision = "accounts_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contribution_events") as batch:
        batch.create_index("ix_contribution_events_given",
                           ["actor_id", "beneficiary_id", "reversed_at", "created_at", "points"])
        batch.create_index("ix_contribution_events_received",
                           ["beneficiary_id", "actor_id", "reversed_at", "created_at", "points"])


def downgrade():
    with op.batch_alter_table("contribution_events") as batch:
        batch.drop_index("ix_contribution_events_received")
        batch.drop_index("ix_contribution_events_given")
