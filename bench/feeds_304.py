"""How cheap is a feed reader's poll? The 304 path beside a Flask hello-world.

Builds a forum (SQLite in a temporary folder, or the PostgreSQL database named by
``--database-url``, whose tables it replaces), serves it and a hello-world Flask app with the
same server (gunicorn, the same number of sync workers, each on its own 127.0.0.1 port),
drives each with wrk for a fixed time (wrk has no request count: its main thread sleeps
the whole duration) with ``Connection: close`` (a sync worker serves one connection at a
time), and prints requests/s for both, the ratio, p50/p99 latency, and the SQL queries
one 304 costs (counted in-process with the tests' event hook). ``--explain`` prints
PostgreSQL's plan of every feed's validator. It prints figures; it is not a test.

    /tmp/venv/bin/python bench/feeds_304.py [--posts 4000] [--seconds 10] [--workers 2]
        [--connections 8] [--database-url postgresql://...] [--explain]
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELLO = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_forum(app, posts: int) -> None:
    """Members, categories, tagged threads and ``posts`` posts, with marks and a few links."""
    from sqlalchemy import insert, text

    from forum.database import create_schema
    from forum.extensions import db
    from forum.models import (Category, HelpfulMark, Link, Post, Tag, Thread, User,
                              thread_tags)

    rng = random.Random(7)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.metadata.drop_all(db.engine)
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        create_schema()
        start = datetime(2024, 1, 1)
        members = 200
        db.session.execute(insert(User), [
            dict(id=i, username=f"member{i}", username_key=f"member{i}",
                 email=f"member{i}@example.org", password_hash="x", role="member",
                 bio="", created_at=start) for i in range(1, members + 1)])
        db.session.execute(insert(Category), [
            dict(id=i, slug=f"category{i}", name=f"Category {i}", description="", position=i)
            for i in range(1, 11)])
        db.session.execute(insert(Tag), [dict(id=i, name=f"tag{i}") for i in range(1, 51)])
        threads = max(1, posts // 20)
        thread_rows, tag_rows, post_rows = [], [], []
        post_id = 0
        per_thread = [posts // threads + (1 if i < posts % threads else 0) for i in range(threads)]
        moment = start
        for index, count in enumerate(per_thread, start=1):
            thread_rows.append(dict(id=index, category_id=rng.randint(1, 10),
                                    author_id=rng.randint(1, members), title=f"Thread {index}",
                                    slug=f"thread-{index}", created_at=moment,
                                    last_activity_at=moment, reply_count=count - 1,
                                    post_count=count, pinned=False))
            tag_rows += [dict(thread_id=index, tag_id=tag)
                         for tag in rng.sample(range(1, 51), 2)]
            for position in range(1, count + 1):
                post_id += 1
                moment += timedelta(seconds=rng.randint(1, 60))
                post_rows.append(dict(id=post_id, thread_id=index,
                                      author_id=rng.randint(1, members), position=position,
                                      body=f"Post {post_id}.", html=f"<p>Post {post_id}.</p>",
                                      created_at=moment, version=1))
            thread_rows[-1]["last_activity_at"] = moment
        db.session.execute(insert(Thread), thread_rows)
        db.session.execute(insert(thread_tags), tag_rows)
        for batch in range(0, len(post_rows), 20_000):
            db.session.execute(insert(Post), post_rows[batch:batch + 20_000])
        marks = {(rng.randint(1, post_id), rng.randint(1, members)) for _ in range(posts // 5)}
        db.session.execute(insert(HelpfulMark), [
            dict(post_id=p, user_id=u, created_at=moment) for p, u in marks])
        db.session.execute(insert(Link), [
            dict(kind="webmention", status="approved", source_url=f"https://example.org/{i}",
                 target_url=f"http://127.0.0.1/t/{i}", target_thread_id=i, title=f"Page {i}",
                 excerpt="", author_name="", created_at=moment, updated_at=moment)
            for i in range(1, min(threads, 100) + 1)])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("users", "categories", "tags", "threads", "posts", "helpful_marks",
                          "links"):  # rows were inserted with their ids
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))


def queries_per_304(app, url: str) -> tuple[int, str]:
    from forum.extensions import db
    from tests.conftest import counting_queries

    client = app.test_client()
    etag = client.get(url).headers["ETag"]
    with app.app_context(), counting_queries(db.engine) as statements:
        response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304, response.status_code
    return len(statements), etag


def explain(app, urls: list[str]) -> None:
    from flask import request

    from forum.extensions import db
    from forum.feeds import queries

    for url in urls:
        with app.test_request_context(url):
            view, args = app.url_map.bind("localhost").match(url.split("?")[0])
            args.pop("fmt")
            scope = scope_of(view, args, request)
            compiled = queries.validator_statement(scope).compile(db.engine)
            with db.engine.connect() as connection:
                lines = connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS) {compiled}",
                    compiled.construct_params(scope.params)).scalars().all()
            print(f"\n== {url}: {lines[-1].strip()}")
            print("\n".join("   " + line for line in lines))


def scope_of(view, args, request):
    from forum.feeds.queries import Scope

    kind = {"feeds.site_feed": "site", "feeds.category_feed": "category",
            "feeds.tag_feed": "tag", "feeds.thread_feed": "thread",
            "feeds.member_feed": "member", "feeds.category_helpful": "category",
            "feeds.tag_helpful": "tag"}[view]
    key = next(iter(args.values()), None)
    helpful = int(request.args.get("min", 1)) if view.endswith("helpful") else None
    return Scope(kind, key, helpful)


def serve(target: str, port: int, options, env: dict, cwd: str) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-w", str(options.workers), "-k", options.worker_class,
         "--threads", str(options.worker_threads), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", target], env=env, cwd=cwd, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn for {target} did not start")


def drive(url: str, seconds: int, connections: int, threads: int, headers: dict) -> dict:
    # A sync worker serves one connection at a time and closes it after each answer: wrk
    # must not hold idle keep-alive connections open against it.
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--latency", "-H", "Connection: close"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout

    def latency(percent: str) -> str:
        return re.search(rf"^\s+{percent}%\s+(\S+)", output, re.M).group(1)

    done = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50": latency("50"), "p99": latency("99"), "requests": done,
            "errors": int(bad.group(1)) if bad else 0, "raw": output}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk drives each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--worker-threads", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL database to fill (default: SQLite)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each validator")
    parser.add_argument("--path", help="the feed to poll (default: the busiest thread's)")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    from forum import create_app

    workdir = tempfile.mkdtemp(prefix="feeds-bench-")
    database_url = options.database_url or f"sqlite:///{workdir}/forum.sqlite3"
    settings = {"DATABASE_URL": database_url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False,
                "RATELIMIT_ENABLED": True}
    app = create_app(settings)
    started = time.time()
    build_forum(app, options.posts)
    print(f"forum: {options.posts} posts on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
          f" built in {time.time() - started:.1f}s")
    path = options.path or "/t/1/feed.atom"
    urls = [path, "/feed.atom", "/c/category1/feed.atom", "/tag/tag1/feed.rss",
            "/u/member1/feed.atom", "/c/category1/helpful.atom", "/tag/tag1/helpful.atom?min=2"]
    if options.explain:
        explain(app, urls)
    with app.app_context():
        counted, _ = queries_per_304(app, path)
    Path(workdir, "hello_app.py").write_text(HELLO)
    env = dict(os.environ, FORUM_DATABASE_URL=database_url, FORUM_SECRET_KEY="bench",
               FORUM_AUTO_MIGRATE="false", PYTHONPATH=str(ROOT))
    forum_port, hello_port = free_port(), free_port()
    servers = [serve("forum:create_app()", forum_port, options, env, str(ROOT)),
               serve("hello_app:app", hello_port, options, env, workdir)]
    try:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{forum_port}{path}") as response:
            etag = response.headers["ETag"]
        hello_url, feed_url = f"http://127.0.0.1:{hello_port}/", f"http://127.0.0.1:{forum_port}{path}"
        poll = {"If-None-Match": etag}
        drive(hello_url, 2, options.connections, options.threads, {})  # warm up
        drive(feed_url, 2, options.connections, options.threads, poll)
        hello = drive(hello_url, options.seconds, options.connections, options.threads, {})
        feed = drive(feed_url, options.seconds, options.connections, options.threads, poll)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"gunicorn -w {options.workers} -k {options.worker_class} "
          f"--threads {options.worker_threads}, wrk -t{options.threads} "
          f"-c{options.connections} -d{options.seconds}s, Connection: close, on 127.0.0.1")
    for name, result in (("hello-world GET /", hello), (f"feed 304 GET {path}", feed)):
        print(f"{name:40} {result['rps']:9.1f} req/s   p50 {result['p50']:>8}   "
              f"p99 {result['p99']:>8}   ({result['requests']} requests, "
              f"{result['errors']} errors)")
    print(f"ratio (304 / hello-world): {feed['rps'] / hello['rps']:.0%}")
    print(f"SQL queries per 304: {counted}")


if __name__ == "__main__":
    main()
