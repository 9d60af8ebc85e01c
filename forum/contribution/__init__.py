"""Contribution: helpful marks, accepts, shares, follows, the ledger and the leaderboard."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Keep the ledger true when posts go away or come back (see .receivers), and the
    contribution revision in step with what commits (see .revision)."""
    from forum.contribution import receivers, revision
    from forum.signals import post_changed

    post_changed.connect(receivers.on_post_changed, weak=False)
    revision.init_app(app)
