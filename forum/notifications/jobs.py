"""What every notification job shares."""
import functools

from forum.database import writing


def job(func):
    """A job that reads and then writes: its transactions begin as writers (see
    ``database.writing``), so on SQLite it queues for the lock instead of failing."""
    @functools.wraps(func)
    def run(*args):
        with writing():
            return func(*args)
    return run
