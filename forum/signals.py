"""What other capabilities hear about posts, so the threads package never imports them.

``post_changed`` is sent inside the writing transaction (receivers add to the same
commit: internal pingbacks, ledger reversals). ``post_committed`` is sent after the commit
(receivers enqueue background jobs: outgoing Webmentions and Pingbacks).
Both carry the post as sender and ``action``: "created", "edited", "deleted", "hidden",
"restored".
"""
from blinker import Namespace

_signals = Namespace()
post_changed = _signals.signal("post-changed")
post_committed = _signals.signal("post-committed")

# Sent after a commit in which a member was recognized, so that they can hear of it.
# The sender is the kind: "helpful", "accepted", "shared", "pingback" (``post_id`` is the
# recognized post) or "follow" (no post); ``beneficiary_id`` is the member recognized and
# ``actor_id`` the member who acted (None for another site).
recognized = _signals.signal("recognized")
# Sent after a thread was closed and committed; the sender is the thread's id, ``actor_id``
# the member who closed it.
thread_closed = _signals.signal("thread-closed")
# Sent inside the transaction that deletes an account (forum/accounts/services.py), with the
# member's row as sender, before it is emptied: receivers delete what their package keeps
# about the member alone (notifications, watches, preferences), in the same commit.
account_deleting = _signals.signal("account-deleting")
