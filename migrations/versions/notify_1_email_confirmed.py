"""users.email_confirmed_at: when the member confirmed their address

Revision ID: notify_1_email_confirmed
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_1_email_confirmed"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("email_confirmed_at")
