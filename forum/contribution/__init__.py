"""Contribution: helpful marks, accepts, shares, follows, the ledger and the leaderboard."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Keep the ledger true when posts go away or come back (see .receivers)."""
    from forum.contribution import receivers
    from forum.signals import post_changed

    post_changed.connect(receivers.on_post_changed, weak=False)
