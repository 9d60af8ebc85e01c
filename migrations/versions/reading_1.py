"""Read state per member and thread; private feed tokens

Revision ID: reading_1
Revises: notify_1_email_confirmed
"""
from alembic import op
import sqlalchemy as sa

revision = "reading_1"
down_revision = "notify_1_email_confirmed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "read_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"],
                                name=op.f("fk_read_states_thread_id_threads"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_read_states_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_read_states")),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_feed_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )


def downgrade():
    op.drop_table("feed_tokens")
    op.drop_table("read_states")
