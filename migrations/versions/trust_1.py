"""Trust: members' trusted state, held ledger events, the source site of incoming links

Revision ID: trust_1
Revises: reading_2
"""
import sqlalchemy as sa
from alembic import op

revision = "trust_1"
down_revision = "reading_2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trusted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("trusted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trusted_via", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_users_trusted_by_id_users"), "users",
                                    ["trusted_by_id"], ["id"])
    with op.batch_alter_table("contribution_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("source_host", sa.String(length=253), nullable=True))
        batch_op.add_column(sa.Column("reversal_note", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_contribution_events_source", ["source_host", "post_id", "created_at"],
                              unique=False)
        batch_op.create_index("ix_contribution_events_held", ["actor_id", "held"], unique=False)


def downgrade():
    with op.batch_alter_table("contribution_events", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_events_held")
        batch_op.drop_index("ix_contribution_events_source")
        batch_op.drop_column("reversal_note")
        batch_op.drop_column("source_host")
        batch_op.drop_column("held")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_trusted_by_id_users"), type_="foreignkey")
        batch_op.drop_column("trusted_via")
        batch_op.drop_column("trusted_by_id")
        batch_op.drop_column("trusted_at")
