"""Gunicorn settings for the forum in production.

    gunicorn -c gunicorn.conf.py "forum:create_app()"

Every setting can be changed from the environment, so the systemd unit, the Procfile and the
benchmark all use this one file. See the README, "Production".
"""
import multiprocessing
import os

bind = os.environ.get("FORUM_BIND", "127.0.0.1:8000")
# With Redis, Python processes are the unit of parallelism: about two per core. Each holds its
# own database connection pool (pool_size 5 by default), so mind PostgreSQL's max_connections.
# Without Redis, rate limits, the page cache and the job thread live in the process's memory,
# so one process serves, with more threads: every limit then counts every request.
shared_state = bool(os.environ.get("FORUM_REDIS_URL"))
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 if shared_state else 1))
# Threads let a process overlap waiting on the database and Redis, and keep connections alive
# (a reverse proxy or a benchmark reuses them).
worker_class = "gthread"
threads = int(os.environ.get("FORUM_THREADS", 4 if shared_state else 8))
keepalive = 5
timeout = 30
graceful_timeout = 30
# Recycle a worker now and then so that a slow leak can never grow without bound; but not the
# only worker: while its successor boots (about a second) nobody would be served. (Measured: one
# process recycled every 20,000 requests put a 1-1.7 s stall into the 99th percentile.)
max_requests = int(os.environ.get("FORUM_MAX_REQUESTS", 20_000 if workers > 1 else 0))
max_requests_jitter = max_requests // 10
# The app is built in each worker after the fork: no database connection is ever shared.
preload_app = False
# Trust X-Forwarded-* only from the reverse proxy on this machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("FORUM_ACCESS_LOG") or None  # "-" logs requests to stdout
errorlog = "-"
loglevel = os.environ.get("FORUM_LOG_LEVEL", "info")
proc_name = "forum"
