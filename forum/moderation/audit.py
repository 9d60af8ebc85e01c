"""The audit log: every moderator action, written once in the action's own transaction."""
from forum.extensions import db
from forum.moderation.models import ModerationAction


def log_action(moderator, action: str, target_type: str, target_id: int,
               reason: str = "") -> ModerationAction:
    """Add a ModerationAction row for ``moderator`` (a User, or None for the system); no commit.

    ``action`` is a short verb ("close", "hide", "suspend"...), ``target_type`` one of
    "thread", "post", "user", "flag", "link". Nothing ever edits or deletes these rows.
    """
    entry = ModerationAction(
        moderator_id=getattr(moderator, "id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=(reason or "").strip(),
    )
    db.session.add(entry)
    return entry
