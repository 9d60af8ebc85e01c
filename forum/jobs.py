"""The one job queue: RQ on Redis when ``FORUM_REDIS_URL`` is set, else a background thread.

Jobs are module-level functions called with plain arguments. Each runs in an app context and
database session of its own (:func:`run_job`), removed afterwards, so a job that returns
early or fails leaves nothing open for the next one; the same job runs in
``flask --app forum worker`` (RQ) or in the web process's own thread. A job that meets a
write conflict or SQLite's busy lock (``database.is_transient``) is run again at once a few
times, after short pauses; other failures are retried after ``retry_delays``.
Call :func:`enqueue` after the transaction that the job reads has been committed.
"""
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from flask import Flask, current_app

from forum.database import is_transient

log = logging.getLogger(__name__)

QUEUE_NAME = "forum"
DEFAULT_RETRY_DELAYS: tuple[int, ...] = ()
# Pauses before running a job again after a transient database error.
TRANSIENT_DELAYS: tuple[float, ...] = (0.1, 0.5, 2, 5)


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
    """Run every queued job to the end, retries included (tests and scripts).

    The caller's own read transaction ends first: on SQLite its snapshot would not show what
    the jobs wrote."""
    from flask import has_app_context

    from forum.extensions import db

    if has_app_context():
        session = db.session()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.rollback()
    app.extensions["forum.jobs"].drain(timeout)


def shutdown(app: Flask) -> None:
    """Stop the app's job thread (tests' teardown; a web process just exits)."""
    app.extensions["forum.jobs"].close()


def run_job(func: Callable, args: tuple) -> None:
    """``func(*args)`` in a fresh app context and session of the current app, removed after it.

    Transient database errors (deadlock, serialization failure, SQLite's busy lock) run the
    job again, a few times, in a fresh context each time.
    """
    from forum.extensions import db

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for delay in (*TRANSIENT_DELAYS, None):
        with app.app_context():
            try:
                func(*args)
                return
            except Exception as error:
                db.session.rollback()
                if delay is None or not is_transient(error):
                    raise
                log.warning("job %s met %s; running it again", job_name(func), type(error).__name__)
            finally:
                db.session.remove()
        time.sleep(delay)


def job_name(func) -> str:
    return getattr(func, "__name__", repr(func))


class RetryLater(Exception):
    """An expected, passing failure (a name that does not resolve, a server answering 503):
    logged as one line with its cause, not a traceback, and retried like any failure."""


def log_failure(name: str, error: BaseException, exc_info=None) -> None:
    if isinstance(error, RetryLater):
        log.warning("job %s failed (retried while tries are left): %s", name, error)
    else:
        log.error("job %s failed", name, exc_info=exc_info or error)


class ThreadQueue:
    """The embedded default: one daemon thread per app works through the jobs."""

    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.unfinished = 0  # queued, running, or waiting for a retry
        self.timers: set[threading.Timer] = set()
        self.later: set[threading.Timer] = set()  # jobs enqueued with a delay, not yet due
        self.closed = False
        self.thread: threading.Thread | None = None

    def enqueue(self, func, args, retry_delays):
        with self.lock:
            if self.closed:
                log.warning("job %s dropped: the app's job queue is closed", job_name(func))
                return
            self.unfinished += 1
            self._start()
        self.queue.put((func, args, retry_delays))

    def _start(self):
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self.work, name="forum-jobs", daemon=True)
            self.thread.start()

    def work(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            func, args, retry_delays = item
            retry = False
            try:
                with self.app.app_context():
                    run_job(func, args)
            except Exception as error:
                log_failure(job_name(func), error)
                retry = bool(retry_delays)
            with self.lock:
                if retry and not self.closed:
                    self._retry_later(func, args, retry_delays)
                else:
                    self._finished()

    def _finished(self):
        self.unfinished -= 1
        self.idle.notify_all()

    def enqueue_later(self, delay, func, args, retry_delays):
        """A timer in this process (a restart loses it; what is scheduled this way, the
        notification mail sweep, is also started by whatever next makes mail due). Not
        counted as unfinished: ``drain`` does not wait for the future."""

        def due():
            with self.lock:
                self.later.discard(timer)
            self.enqueue(func, args, retry_delays)

        timer = threading.Timer(delay, due)
        timer.daemon = True
        with self.lock:
            if self.closed:
                return
            self.later.add(timer)
        timer.start()

    def _retry_later(self, func, args, retry_delays):
        """Put the job back after its next delay; it stays unfinished meanwhile."""

        def again():
            with self.lock:
                self.timers.discard(timer)
                if self.closed:
                    self._finished()
                    return
                self._start()
            self.queue.put((func, args, retry_delays[1:]))

        timer = threading.Timer(retry_delays[0], again)
        timer.daemon = True
        self.timers.add(timer)
        timer.start()

    def drain(self, timeout):
        """Wait until every job, its retries included, has finished; TimeoutError after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.unfinished:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.unfinished} background jobs still unfinished "
                                       f"after {timeout} s")
                self.idle.wait(remaining)

    def close(self, timeout: float = 30):
        """Stop taking jobs, cancel waiting retries and let the running job end."""
        with self.lock:
            self.closed = True
            for timer in self.timers:
                timer.cancel()
            self.unfinished -= len(self.timers)
            self.timers.clear()
            for timer in self.later:
                timer.cancel()
            self.later.clear()
            thread = self.thread
        if thread is not None and thread.is_alive():
            self.queue.put(None)
            thread.join(timeout)


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
        self.queue.enqueue(run_job, func, args, retry=retry,
                           description=f"{job_name(func)}{args!r}"[:200])

    def enqueue_later(self, delay, func, args, retry_delays):
        from datetime import timedelta

        from rq import Retry

        retry = Retry(max=len(retry_delays), interval=list(retry_delays)) if retry_delays else None
        self.queue.enqueue_in(timedelta(seconds=delay), run_job, func, args, retry=retry,
                              description=f"{job_name(func)}{args!r}"[:200])

    def drain(self, timeout):
        worker_class()([self.queue], connection=self.connection).work(burst=True)

    def work(self):
        """Process jobs until stopped (the ``worker`` command); each in its own app context."""
        worker_class()([self.queue], connection=self.connection).work(with_scheduler=True)

    def close(self):
        self.connection.close()


def worker_class():
    """RQ's SimpleWorker, logging a :class:`RetryLater` as one line instead of a traceback."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def handle_exception(self, job, *exc_info):
            if isinstance(exc_info[1], RetryLater):
                log_failure(job.description or job.id, exc_info[1])
                return
            super().handle_exception(job, *exc_info)

    return Worker


def init_app(app: Flask) -> None:
    redis_url = app.config["REDIS_URL"]
    backend = RedisQueue(app, redis_url) if redis_url else ThreadQueue(app)
    app.extensions["forum.jobs"] = backend
