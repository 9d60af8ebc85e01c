"""Reading benchmark: read state over 20,000 threads, a member's thread page, relationships.

    python -m bench.reading [--db sqlite|postgresql] [--threads 20000] [--events 10000] [--runs 30]

Builds a database of its own (a temporary SQLite file, or a database created and dropped on
the PostgreSQL server of FORUM_BENCH_POSTGRES_URL): 20,000 threads of three posts each in
one category, a member who has read a quarter of them (half of those with replies since),
and a member with 10,000 ledger events (given and received, across 400 others, over two
years). Then, in-process through the app (Flask's test client, caches off so every page is
a fresh render), it prints:

- the SQL statements of the home and category pages for a visitor and for that member (the
  goal: the member's is the visitor's plus one) and the median time of each;
- the statements a member's thread page runs, and how many of them write (goal: one);
- the median time to read and render that member's relationships (goal: under 20 ms), and
  of their whole profile page.
"""
import argparse
from collections import Counter
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import render_template  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from forum import create_app  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.contribution.models import ContributionEvent  # noqa: E402
from forum.database import create_schema  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.reading.models import ReadState  # noqa: E402
from forum.reading.relationships import fading_prompts, relationships  # noqa: E402
from forum.threads.models import Category, Post, Thread  # noqa: E402
from forum.timeutil import utcnow  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402

PASSWORD = "bench password"
OTHERS = 400
BATCH = 5000


def chunks(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def load(threads: int, events: int, seed: int = 7) -> dict:
    """The data set, through the models' tables in bulk; returns the two members' names."""
    from werkzeug.security import generate_password_hash

    rng = random.Random(seed)
    now = utcnow()
    password = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    users = [{"id": i, "username": f"m{i}", "username_key": f"m{i}", "email": f"m{i}@example.org",
              "password_hash": password, "role": "member", "bio": "",
              "created_at": now - timedelta(days=800), "suspended_for_abuse": False}
             for i in range(1, OTHERS + 3)]
    db.session.execute(insert(User), users)
    db.session.execute(insert(Category), [{"id": 1, "slug": "general", "name": "General",
                                           "description": "", "position": 0}])
    thread_rows, post_rows = [], []
    for t in range(1, threads + 1):
        when = now - timedelta(minutes=threads - t)
        thread_rows.append({"id": t, "category_id": 1, "author_id": rng.randint(3, OTHERS + 2),
                            "title": f"Thread {t}", "slug": f"thread-{t}", "created_at": when,
                            "last_activity_at": when, "reply_count": 2, "post_count": 3,
                            "pinned": False, "revision": t})
        for position in (1, 2, 3):
            post_rows.append({"thread_id": t, "author_id": rng.randint(3, OTHERS + 2),
                              "position": position, "body": f"Post {position} of {t}.",
                              "html": f"<p>Post {position} of {t}.</p>", "created_at": when,
                              "version": 1})
    for rows in chunks(thread_rows):
        db.session.execute(insert(Thread), rows)
    for rows in chunks(post_rows):
        db.session.execute(insert(Post), rows)
    # m1 read the newest quarter of the threads: half up to the end, half up to the first reply.
    reads = [{"user_id": 1, "thread_id": t, "position": 3 if t % 2 else 2}
             for t in range(threads - threads // 4 + 1, threads + 1)]
    for rows in chunks(reads):
        db.session.execute(insert(ReadState), rows)
    # m2's ledger: given and received with 400 others over two years.
    ledger = []
    for i in range(events):
        other = rng.randint(3, OTHERS + 2)
        gave = i % 2 == 0
        ledger.append({"beneficiary_id": other if gave else 2, "actor_id": 2 if gave else other,
                       "kind": "helpful", "post_id": None, "points": 10,
                       "created_at": now - timedelta(days=rng.uniform(0, 730)),
                       "window_level": 0})
    for rows in chunks(ledger):
        db.session.execute(insert(ContributionEvent), rows)
    db.session.commit()
    return {"reader": "m1", "giver": "m2"}


class Statements:
    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                      "RELEASE", "PRAGMA")):
            self.seen.append(statement)


def statements_of(client, url: str) -> list[str]:
    client.get(url)
    counter = Statements()
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
    return counter.seen


def table_of(statement: str) -> str:
    """The table a statement reads from (its outermost FROM), to name what a page adds."""
    depth, words = 0, statement.replace("(", " ( ").replace(")", " ) ").split()
    for word, following in zip(words, words[1:]):
        depth += {"(": 1, ")": -1}.get(word, 0)
        if depth == 0 and word.upper() == "FROM":
            return following
    return words[0]


def median_ms(action, runs: int) -> float:
    """Median wall-clock milliseconds of ``action`` (after one warm-up run)."""
    return timed(action, runs)[0]


def timed(action, runs: int) -> tuple[float, float]:
    """Median wall-clock and processor milliseconds of ``action``: on a busy machine the
    processor time is what the work itself costs in this process."""
    action()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def logged_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    return client


def measure(app, runs: int, threads: int, events: int) -> None:
    visitor = app.test_client()
    reader = logged_in(app, "m1")
    with app.app_context():
        dialect = db.engine.dialect.name
    print(f"{threads:,} threads, {threads * 3:,} posts; the member has read {threads // 4:,}; "
          f"{events:,} ledger events for the second member ({dialect})\n")
    print("| page | visitor: statements | member: statements | visitor ms | member ms |")
    print("| --- | --- | --- | --- | --- |")
    extra = set()
    for url in ("/", "/c/general", "/c/general?page=100"):
        seen_v, seen_m = statements_of(visitor, url), statements_of(reader, url)
        extra |= set(Counter(map(table_of, seen_m)) - Counter(map(table_of, seen_v)))
        # Interleaved, so a busy machine slows both alike.
        v_times, m_times = [], []
        for _ in range(runs):
            v_times.append(median_ms(lambda url=url: visitor.get(url), 1))
            m_times.append(median_ms(lambda url=url: reader.get(url), 1))
        print(f"| {url} | {len(seen_v)} | {len(seen_m)} (+{len(seen_m) - len(seen_v)}) "
              f"| {statistics.median(v_times):.1f} | {statistics.median(m_times):.1f} |")
    print(f"\nThe member's extra statements read: {', '.join(sorted(extra))} (the read state "
          "rides in the listing's own query)")
    thread_url = f"/t/{threads}"
    seen = statements_of(reader, thread_url)
    writes = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    visitor_thread = statements_of(visitor, thread_url)
    print(f"\nthread page: visitor {len(visitor_thread)} statements, member {len(seen)}, "
          f"of which {len(writes)} write{'s' if len(writes) != 1 else ''} "
          f"({', '.join(w.split('(')[0].strip() for w in writes)}); "
          f"member {median_ms(lambda: reader.get(thread_url), runs):.1f} ms, "
          f"visitor {median_ms(lambda: visitor.get(thread_url), runs):.1f} ms")
    with app.test_request_context("/u/m2"):
        giver = db.session.scalar(db.select(User).where(User.username == "m2"))

        def relationships_rendered():
            found = relationships(giver)
            render_template("reading/_relationships.html", relationships=found, user=giver,
                            relationship_prompts=fading_prompts(found))

        count = len(relationships(giver))
        rendered, rendered_cpu = timed(relationships_rendered, runs)
        query, query_cpu = timed(lambda: relationships(giver), runs)
        db.session.remove()
    print(f"\nrelationships of a member with {events:,} ledger events ({count} members): "
          f"{rendered:.1f} ms to read and render ({rendered_cpu:.1f} ms of processor time "
          f"in this process; goal < 20 ms); the query alone {query:.1f} ms "
          f"({query_cpu:.1f} ms processor); whole profile page "
          f"{median_ms(lambda: visitor.get('/u/m2'), runs):.1f} ms")
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    settings = {"SECRET_KEY": "bench", "AUTO_MIGRATE": False, "PAGE_CACHE_SECONDS": 0,
                "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "SCORE_SWEEP_SECONDS": 3600}
    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(args.db, "forum_bench_reading") as url:
        app = create_app({**settings, "DATABASE_URL": url}, instance_path=folder)
        with app.app_context():
            create_schema()
            started = time.perf_counter()
            load(args.threads, args.events)
            if args.db == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
                    for table in ("users", "threads", "posts", "contribution_events"):
                        connection.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"))
            else:
                with db.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            print(f"(loaded in {time.perf_counter() - started:.0f} s)\n")
            db.session.remove()
        # Each request outside any app context of ours, as in production: a member's
        # login must not leak into the visitor's requests through ``g``.
        measure(app, args.runs, args.threads, args.events)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
