"""What cross-linking does when a post changes (forum.signals); connected by
:func:`forum.links.init_app`."""
from forum.links.jobs import enqueue_mentions
from forum.links.outgoing import sync_mentions
from forum.links.services import bump_linked_threads, sync_post_links


def keep_links_in_step(post, action, **_extra):
    """In the writing transaction: internal pingbacks and outgoing mentions follow the post."""
    sync_post_links(post, action)
    sync_mentions(post, action)


def send_mentions(post, action, **_extra):
    """After the commit: the threads the post links to show the change, and the background
    job notifies the sites it links to."""
    bump_linked_threads(post, action)
    enqueue_mentions(post.id)
