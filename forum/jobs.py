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


class RetryLater(Exception):
    """An expected, passing failure (a name that does not resolve, a server answering 503):
    logged as one line with its cause, not a traceback, and retried like any failure."""


def job_name(func) -> str:
    return getattr(func, "__name__", str(func))


def enqueue(func: Callable, *args, retry_delays: Sequence[int] = DEFAULT_RETRY_DELAYS) -> None:
    """Run ``func(*args)`` in the background; on failure retry after each of ``retry_delays`` seconds."""
    current_app.extensions["forum.jobs"].enqueue(func, args, tuple(retry_delays))


def drain(app: Flask, timeout: float = 30) -> None:
    """Run every queued job to the end (tests and the ``drain`` path of the CLI)."""
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
            except Exception as error:
                if isinstance(error, RetryLater):
                    log.warning("job %s failed, %s: %s", job_name(func),
                                "will retry" if retry_delays else "no retry left", error)
                else:
                    log.exception("job %s failed", job_name(func))
                if retry_delays:
                    self.retry_later(func, args, retry_delays)
            finally:
                self.queue.task_done()

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

    def drain(self, timeout):
        worker_class()([self.queue], connection=self.connection).work(burst=True)

    def work(self):
        """Process jobs until stopped (the ``worker`` command), in this app context."""
        worker_class()([self.queue], connection=self.connection).work(with_scheduler=True)


def worker_class():
    """RQ's SimpleWorker, logging a :class:`RetryLater` as one line instead of a traceback."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def handle_exception(self, job, *exc_info):
            if isinstance(exc_info[1], RetryLater):
                log.warning("job %s failed, will retry if tries are left: %s",
                            job.func_name, exc_info[1])
                return
            super().handle_exception(job, *exc_info)

    return Worker


def init_app(app: Flask) -> None:
    redis_url = app.config["REDIS_URL"]
    backend = RedisQueue(app, redis_url) if redis_url else ThreadQueue(app)
    app.extensions["forum.jobs"] = backend
