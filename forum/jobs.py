"""The one job queue: RQ on Redis when ``FORUM_REDIS_URL`` is set, else a background thread.

Jobs are module-level functions called with plain arguments inside an app context, so the
same job runs in ``flask --app forum worker`` (RQ) or in the web process's own thread.
Call :func:`enqueue` after the transaction that the job reads has been committed.
"""
import logging
import queue
import threading
from collections.abc import Callable, Sequence

from flask import Flask, current_app

log = logging.getLogger(__name__)

QUEUE_NAME = "forum"
DEFAULT_RETRY_DELAYS: tuple[int, ...] = ()


def enqueue(func: Callable, *args, retry_delays: Sequence[int] = DEFAULT_RETRY_DELAYS,
            delay: float = 0) -> None:
    """Run ``func(*args)`` in the background (not before ``delay`` seconds from now); on
    failure retry after each of ``retry_delays`` seconds."""
    backend = current_app.extensions["forum.jobs"]
    if delay > 0:
        backend.enqueue_later(delay, func, args, tuple(retry_delays))
    else:
        backend.enqueue(func, args, tuple(retry_delays))


def drain(app: Flask, timeout: float = 30) -> None:
    """Run every queued job to the end (tests and the ``drain`` path of the CLI).

    The caller's own read transaction ends first: it would hold SQLite's lock against the
    jobs, and its snapshot would not show what they wrote."""
    from flask import has_app_context

    from forum.extensions import db

    if has_app_context():
        session = db.session()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.rollback()
    app.extensions["forum.jobs"].drain(timeout)


class ThreadQueue:
    """The embedded default: one daemon thread per process works through the jobs."""

    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self.pending_retries = 0
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def enqueue(self, func, args, retry_delays):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.work, name="forum-jobs", daemon=True)
                self.thread.start()
        self.queue.put((func, args, retry_delays))

    def work(self):
        while True:
            func, args, retry_delays = self.queue.get()
            try:
                with self.app.app_context():
                    func(*args)
            except Exception:
                log.exception("job %s failed", getattr(func, "__name__", func))
                if retry_delays:
                    self.retry_later(func, args, retry_delays)
            finally:
                self.queue.task_done()

    def enqueue_later(self, delay, func, args, retry_delays):
        # A timer in this process: a restart loses it, which is why whatever is scheduled
        # this way (notification mail) is also picked up by the next run of its sweep.
        timer = threading.Timer(delay, self.enqueue, (func, args, retry_delays))
        timer.daemon = True
        timer.start()

    def retry_later(self, func, args, retry_delays):
        with self.lock:
            self.pending_retries += 1

        def again():
            with self.lock:
                self.pending_retries -= 1
            self.enqueue(func, args, retry_delays[1:])

        timer = threading.Timer(retry_delays[0], again)
        timer.daemon = True
        timer.start()

    def drain(self, timeout):
        self.queue.join()


class RedisQueue:
    """Production: RQ on Redis, worked by ``flask --app forum worker``."""

    def __init__(self, app: Flask, redis_url: str):
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(app.config.get("JOB_QUEUE_NAME", QUEUE_NAME), connection=self.connection)

    def enqueue(self, func, args, retry_delays):
        from rq import Retry

        retry = Retry(max=len(retry_delays), interval=list(retry_delays)) if retry_delays else None
        self.queue.enqueue(func, *args, retry=retry)

    def enqueue_later(self, delay, func, args, retry_delays):
        from datetime import timedelta

        from rq import Retry

        retry = Retry(max=len(retry_delays), interval=list(retry_delays)) if retry_delays else None
        self.queue.enqueue_in(timedelta(seconds=delay), func, *args, retry=retry)

    def drain(self, timeout):
        from rq import SimpleWorker

        SimpleWorker([self.queue], connection=self.connection).work(burst=True)

    def work(self):
        """Process jobs until stopped (the ``worker`` command), in this app context."""
        from rq import SimpleWorker

        SimpleWorker([self.queue], connection=self.connection).work(with_scheduler=True)


def init_app(app: Flask) -> None:
    redis_url = app.config["REDIS_URL"]
    backend = RedisQueue(app, redis_url) if redis_url else ThreadQueue(app)
    app.extensions["forum.jobs"] = backend
