"""Speed: a post's helpful count kept on the post; member scores indexed in the leaderboard's
order (username_key copied in); indexes for the ledger's link events, the open flags, the
pending links and the pinned threads; listings' indexes hold the thread id (ties)

Revision ID: speed_1_counts_and_indexes
Revises: notify_2_notifications
"""
import sqlalchemy as sa
from alembic import op

revision = "speed_1_counts_and_indexes"
down_revision = "notify_2_notifications"
branch_labels = None
depends_on = None

WINDOWS = ("week", "month", "year", "all_time", "decayed")


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("helpful_count", sa.Integer(), nullable=False,
                                      server_default="0"))
    # Only posts with marks need counting.
    op.execute("UPDATE posts SET helpful_count = (SELECT count(*) FROM helpful_marks "
               "WHERE helpful_marks.post_id = posts.id) "
               "WHERE id IN (SELECT post_id FROM helpful_marks)")
    with op.batch_alter_table("member_scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(length=32), nullable=False,
                                      server_default=""))
        for name in WINDOWS:
            batch_op.drop_index(f"ix_member_scores_{name}")
    op.execute("UPDATE member_scores SET username_key = (SELECT username_key FROM users "
               "WHERE users.id = member_scores.user_id)")
    for name in WINDOWS:
        op.create_index(f"ix_member_scores_{name}_rank", "member_scores",
                        [sa.text(f"{name} DESC"), "username_key"], unique=False)
    with op.batch_alter_table("contribution_events", schema=None) as batch_op:
        batch_op.create_index("ix_contribution_events_link_id", ["link_id"], unique=False)
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index("ix_flags_open", ["created_at", "id"], unique=False,
                              postgresql_where=sa.text("resolved_at IS NULL"),
                              sqlite_where=sa.text("resolved_at IS NULL"))
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_status", ["status", "created_at", "id"], unique=False)
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_activity")
        batch_op.drop_index("ix_threads_category_activity")
        batch_op.create_index("ix_threads_activity", ["last_activity_at", "id"], unique=False)
        batch_op.create_index("ix_threads_category_activity",
                              ["category_id", "last_activity_at", "id"], unique=False)
        batch_op.create_index("ix_threads_pinned", ["last_activity_at"], unique=False,
                              postgresql_where=sa.text("pinned IS true"), sqlite_where=sa.text("pinned IS 1"))


def downgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_pinned")
        batch_op.drop_index("ix_threads_category_activity")
        batch_op.drop_index("ix_threads_activity")
        batch_op.create_index("ix_threads_activity", ["last_activity_at"], unique=False)
        batch_op.create_index("ix_threads_category_activity", ["category_id", "last_activity_at"],
                              unique=False)
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_links_status")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index("ix_flags_open")
    with op.batch_alter_table("contribution_events", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_events_link_id")
    for name in WINDOWS:
        op.drop_index(f"ix_member_scores_{name}_rank", table_name="member_scores")
    with op.batch_alter_table("member_scores", schema=None) as batch_op:
        batch_op.drop_column("username_key")
        for name in WINDOWS:
            batch_op.create_index(f"ix_member_scores_{name}", [name], unique=False)
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("helpful_count")
