"""Every model, imported in one place so Alembic and ``create_all`` see the whole schema."""
from forum.accounts.models import Follow, User
from forum.contribution.models import ContributionEvent, HelpfulMark, MemberScore, Share
from forum.links.models import Link, OutgoingMention
from forum.moderation.models import Flag, ModerationAction
from forum.notifications.models import (
    CategoryWatch,
    Heard,
    Notification,
    NotificationSettings,
    ThreadWatch,
)
from forum.threads.models import Category, Post, PostRevision, Tag, Thread, thread_tags

__all__ = [
    "Category", "ContributionEvent", "Flag", "Follow", "HelpfulMark", "Link", "MemberScore",
    "ModerationAction", "Notification", "NotificationSettings", "Heard", "ThreadWatch", "CategoryWatch", "OutgoingMention", "Post", "PostRevision", "Share", "Tag", "Thread", "User", "thread_tags",
]
