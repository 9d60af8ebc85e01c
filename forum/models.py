"""Every model, imported in one place so Alembic and ``create_all`` see the whole schema."""
from forum.accounts.models import AccountSession, ApiToken, Follow, RecoveryCode, User
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
from forum.reading.models import FeedToken, ReadState
from forum.threads.models import Category, Post, PostRevision, Tag, Thread, thread_tags

__all__ = [
    "AccountSession", "ApiToken", "RecoveryCode",
    "Category", "CategoryWatch", "ContributionEvent", "FeedToken", "Flag", "Follow", "Heard",
    "HelpfulMark", "Link", "MemberScore", "ModerationAction", "Notification",
    "NotificationSettings", "OutgoingMention", "Post", "PostRevision", "ReadState",
    "Share", "Tag", "Thread", "ThreadWatch", "User", "thread_tags",
]
