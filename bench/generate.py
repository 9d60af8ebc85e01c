"""Build a realistic forum database for the benchmark, fast, with bulk inserts.

    python -m bench.generate --db postgresql      # database forum_bench on 127.0.0.1:5432
    python -m bench.generate --db sqlite          # bench/data/forum-bench.sqlite3

At scale 1: 100,000 members, 20,000 threads (the first 100 with exactly 200 replies),
500,000 posts, 1,000,000 contribution events with their helpful marks and shares, and
member_scores filled consistently with the events (the table the leaderboard ranks).
Post HTML is rendered once per distinct body and reused. PostgreSQL loads by COPY, SQLite by
executemany in one transaction; the full-text search objects are built after the load.
A database that already holds this scale is reused (``--force`` rebuilds it).
"""
import argparse
import os
import random
import sqlite3
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
SQLITE_PATH = DATA_DIR / "forum-bench.sqlite3"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
POSTGRES_URL = POSTGRES_SERVER + "/forum_bench"
SCHEMA_VERSION = "4"  # 2: the ledger's own decay epoch; 3: users.bio_html, contribution_events.held;
# 4: posts.helpful_count, member_scores.username_key

MEMBERS, THREADS, POSTS, EVENTS = 100_000, 20_000, 500_000, 1_000_000
HOT_THREADS, HOT_REPLIES = 100, 200
CATEGORIES = [("general", "General", None), ("help", "Help and how-to", None),
              ("announcements", "Announcements", 30), ("ideas", "Ideas", None),
              ("show", "Show and tell", None), ("meta", "Meta", None),
              ("python", "Python", None), ("databases", "Databases", None),
              ("web", "The web", None), ("ops", "Operations", None)]
KINDS = [("helpful", 10, 70), ("accepted", 15, 5), ("shared", 5, 15), ("linked", 5, 6),
         ("pingback", 5, 4)]  # (kind, points, weight in %)
HALF_LIFE_DAYS = 90
WINDOWS = (("week", 7), ("month", 30), ("year", 365))
HISTORY_DAYS = 730
PASSWORD = "bench-password"

BODIES = [
    "I ran into this last week. The fix was to **pin the version** in the lock file and rebuild "
    "the image; after that the workers stopped restarting.",
    "Have you tried measuring it first? `EXPLAIN ANALYZE` on the slow query usually says where "
    "the time goes, and a missing index is the answer more often than not.",
    "+1 to the above. We moved the cache to Redis and kept the TTL short:\n\n"
    "- pages for visitors: 60 s\n- everything else: not cached\n\nHit rate went to 97%.",
    "Thanks, that solved it. For anyone finding this later: the setting is *per worker*, so with "
    "four workers you need four times the connections.",
    "I disagree a little: closing the thread after 30 quiet days keeps the answers current, and "
    "anyone can still open a new thread that links back here.",
    "Here is the snippet we use:\n\n```python\nwith engine.begin() as connection:\n"
    "    connection.execute(statement)\n```\n\nIt commits on success and rolls back otherwise.",
    "Good question. The docs cover it under *deployment*, but the short version is: one process "
    "per core, and let the database do the locking.",
    "Marked helpful. The explanation of why the counter drifted was the part I was missing.",
]


def scaled(scale: float) -> dict:
    return {"members": max(100, int(MEMBERS * scale)), "threads": max(120, int(THREADS * scale)),
            "posts": max(HOT_THREADS * (HOT_REPLIES + 1) + 1000, int(POSTS * scale)),
            "events": max(1000, int(EVENTS * scale))}


def window_level(age: timedelta) -> int:
    """3: counts for week, month and year; 2: month and year; 1: year; 0: all time only."""
    days = age.total_seconds() / 86400
    return 3 if days < 7 else 2 if days < 30 else 1 if days < 365 else 0


def build(sizes: dict, now: datetime, seed: int = 7):
    """Every table's rows, as {table: (columns, rows)}; rows are lists of tuples or generators."""
    from werkzeug.security import generate_password_hash

    from forum.contribution.rules import DECAY_EPOCH
    from forum.markup import render_markdown

    rnd = random.Random(seed)
    password_hash = generate_password_hash(PASSWORD)
    html = [render_markdown(body, "forum.example") for body in BODIES]
    start = now - timedelta(days=HISTORY_DAYS)
    n_members, n_threads, n_posts, n_events = (sizes[k] for k in ("members", "threads", "posts",
                                                                   "events"))
    tables = {}

    tables["users"] = (
        ["id", "username", "username_key", "email", "password_hash", "role", "bio", "bio_html",
         "created_at", "suspended_for_abuse"],
        [(i, f"member{i}", f"member{i}", f"member{i}@example.org", password_hash,
          "moderator" if i == 1 else "member", "", "", start - timedelta(days=30), False)
         for i in range(1, n_members + 1)])
    tables["categories"] = (
        ["id", "slug", "name", "description", "position", "auto_close_days"],
        [(i, slug, name, f"Threads about {name.lower()}.", i, days)
         for i, (slug, name, days) in enumerate(CATEGORIES, 1)])
    n_tags = 200
    tables["tags"] = (["id", "name"], [(i, f"topic-{i}") for i in range(1, n_tags + 1)])

    # Posts per thread: the hot threads get exactly 200 replies, the rest share what is left.
    sizes_per_thread = [HOT_REPLIES + 1] * HOT_THREADS + [1] * (n_threads - HOT_THREADS)
    for _ in range(n_posts - sum(sizes_per_thread)):
        sizes_per_thread[rnd.randrange(HOT_THREADS, n_threads)] += 1

    threads, posts, thread_tags = [], [], []
    post_author = [0]  # post id -> author id (index = post id)
    post_times = [start]
    post_id = 0
    for thread_id, count in enumerate(sizes_per_thread, 1):
        author = rnd.randrange(1, n_members + 1)
        # Hot threads are recent and busy; the rest spread over the history.
        created = now - timedelta(days=rnd.uniform(1, 20) if thread_id <= HOT_THREADS
                                  else rnd.uniform(1, HISTORY_DAYS))
        span = (now - created).total_seconds() * 0.9
        moment = created
        for position in range(1, count + 1):
            post_id += 1
            writer = author if position == 1 else rnd.randrange(1, n_members + 1)
            if position > 1:
                moment = moment + timedelta(seconds=rnd.uniform(0, 2 * span / count))
                moment = min(moment, now - timedelta(seconds=1))
            body_index = rnd.randrange(len(BODIES))
            posts.append((post_id, thread_id, writer, position, BODIES[body_index],
                          html[body_index], moment, 1))
            post_author.append(writer)
            post_times.append(moment)
        category = (thread_id % len(CATEGORIES)) + 1
        threads.append((thread_id, category, author, f"Thread number {thread_id} about topic "
                        f"{thread_id % n_tags + 1}", f"thread-number-{thread_id}", created, moment,
                        count - 1, count, thread_id % 500 == 0,
                        int(moment.timestamp() * 1_000_000)))
        for tag in rnd.sample(range(1, n_tags + 1), rnd.randrange(0, 4)):
            thread_tags.append((thread_id, tag))
    tables["threads"] = (
        ["id", "category_id", "author_id", "title", "slug", "created_at", "last_activity_at",
         "reply_count", "post_count", "pinned", "revision"], threads)
    tables["thread_tags"] = (["thread_id", "tag_id"], thread_tags)
    tables["posts"] = (["id", "thread_id", "author_id", "position", "body", "html", "created_at",
                        "version"], posts)

    # The ledger: each event is an act by another member on a post, after the post was written.
    kinds = [k for k, _, _ in KINDS]
    points = {k: p for k, p, _ in KINDS}
    weights = [w for _, _, w in KINDS]
    events, marks, shares = [], [], []
    seen: set[tuple[int, int, str]] = set()
    totals = defaultdict(lambda: [0, 0, 0, 0, 0.0])  # week, month, year, all, decayed
    # Recent posts get most of the attention, as in a real community.
    recent_from = max(1, n_posts - n_posts // 5)
    event_id = 0
    while event_id < n_events:
        kind = rnd.choices(kinds, weights)[0]
        target = rnd.randrange(recent_from, n_posts + 1) if rnd.random() < 0.6 \
            else rnd.randrange(1, n_posts + 1)
        beneficiary = post_author[target]
        actor = rnd.randrange(1, n_members + 1)
        if actor == beneficiary or (target, actor, kind) in seen:
            continue
        seen.add((target, actor, kind))
        event_id += 1
        written = post_times[target]
        moment = written + (now - written) * rnd.random() ** 3
        level = window_level(now - moment)
        events.append((event_id, beneficiary, actor, kind, target, points[kind], moment, level, False))
        if kind == "helpful":
            marks.append((len(marks) + 1, target, actor, moment))
        elif kind == "shared":
            shares.append((len(shares) + 1, target, actor, moment))
        score = totals[beneficiary]
        for i, (_, _) in enumerate(WINDOWS):
            if level >= 3 - i:
                score[i] += points[kind]
        score[3] += points[kind]
        score[4] += points[kind] * 2 ** ((moment - DECAY_EPOCH).total_seconds()
                                         / 86400 / HALF_LIFE_DAYS)
    del seen
    helpful = defaultdict(int)
    for _, post, _, _ in marks:
        helpful[post] += 1
    tables["posts"] = (tables["posts"][0] + ["helpful_count"],
                       [row + (helpful.get(row[0], 0),) for row in posts])
    tables["contribution_events"] = (
        ["id", "beneficiary_id", "actor_id", "kind", "post_id", "points", "created_at",
         "window_level", "held"], events)
    tables["helpful_marks"] = (["id", "post_id", "user_id", "created_at"], marks)
    tables["shares"] = (["id", "post_id", "user_id", "created_at"], shares)
    tables["member_scores"] = (
        ["user_id", "username_key", "week", "month", "year", "all_time", "decayed"],
        [(user, f"member{user}", *score) for user, score in sorted(totals.items())])
    return tables


ORDER = ["users", "categories", "tags", "threads", "thread_tags", "posts", "contribution_events",
         "helpful_marks", "shares", "member_scores"]


def sqlite_value(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


def load_sqlite(tables) -> None:
    connection = sqlite3.connect(SQLITE_PATH, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("BEGIN")
    for name in ORDER:
        columns, rows = tables[name]
        marks = ", ".join("?" for _ in columns)
        connection.executemany(
            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
            (tuple(sqlite_value(v) for v in row) for row in rows))
    connection.execute("COMMIT")
    connection.close()


def load_postgres(tables, url: str) -> None:
    import psycopg

    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for name in ORDER:
            columns, rows = tables[name]
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for name in ORDER:
            if "id" in tables[name][0]:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                               f"(SELECT max(id) FROM {name}))")


def recorded_scale(engine) -> str | None:
    from sqlalchemy import inspect, text

    if "bench_meta" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT value FROM bench_meta WHERE key='scale'")).scalar()


def ensure(backend: str, scale: float = 1.0, force: bool = False, quiet: bool = False) -> str:
    """The FORUM_DATABASE_URL of a benchmark database at ``scale``, built if needed."""
    from sqlalchemy import create_engine, text

    from forum import create_app
    from forum.extensions import db
    from forum.threads import search

    tag = f"{scale}:{SCHEMA_VERSION}"
    if backend == "sqlite":
        DATA_DIR.mkdir(exist_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    else:
        url = POSTGRES_URL
        admin = create_engine(POSTGRES_SERVER.replace("postgresql://", "postgresql+psycopg://")
                              + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname='forum_bench'"
                                           )).scalar():
                connection.execute(text("CREATE DATABASE forum_bench"))
        admin.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False})
    with app.app_context():
        if not force and recorded_scale(db.engine) == tag:
            db.engine.dispose()
            return url
        say = (lambda *a: None) if quiet else print
        began = time.perf_counter()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS bench_meta"))
            if backend == "sqlite":
                for name in ("posts_fts", "threads_fts"):
                    connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
        db.create_all()
        db.engine.dispose()
        sizes = scaled(scale)
        tables = build(sizes, datetime.utcnow().replace(microsecond=0))
        say(f"generated rows in {time.perf_counter() - began:.1f} s: "
            + ", ".join(f"{name} {len(rows):,}" for name, (_, rows) in tables.items()))
        if backend == "sqlite":
            load_sqlite(tables)
        else:
            load_postgres(tables, url.replace("postgresql+psycopg://", "postgresql://"))
        say(f"loaded in {time.perf_counter() - began:.1f} s")
        with db.engine.begin() as connection:
            search.install(connection)
            if backend == "sqlite":
                connection.execute(text("INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')"))
                connection.execute(text("INSERT INTO threads_fts(threads_fts) VALUES ('rebuild')"))
            connection.execute(text("CREATE TABLE bench_meta (key VARCHAR(20) PRIMARY KEY, "
                                    "value VARCHAR(40))"))
            connection.execute(text("INSERT INTO bench_meta VALUES ('scale', :tag)"), {"tag": tag})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # PostgreSQL: VACUUM too, as autovacuum would have by now, so that index-only scans
            # (ranks, counts) need not visit the table.
            connection.execute(text("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE"))
        say(f"search indexes and statistics built; {time.perf_counter() - began:.1f} s in all")
        db.engine.dispose()
    return url


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--force", action="store_true", help="rebuild even if present")
    args = parser.parse_args()
    print(ensure(args.db, args.scale, args.force))


if __name__ == "__main__":
    main()
