"""Cross-linking: internal pingbacks, Pingback 1.0, Webmention and the one outbound fetcher."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Keep links in step with the posts that make them (see forum.links.receivers)."""
    from forum.links import receivers
    from forum.signals import post_changed, post_committed

    post_changed.connect(receivers.keep_links_in_step, weak=False)
    post_committed.connect(receivers.send_mentions, weak=False)
