"""Notifications benchmark: a reply in a 10,000-watcher thread, the fan-out job, the bell.

    python -m bench.notifications [--db postgresql|sqlite] [--watchers 10000] [--runs 5]

Builds a database of its own (created and dropped on the PostgreSQL server of
FORUM_BENCH_POSTGRES_URL, or a temporary SQLite file) and prints, in-process through the app:

- the median time of a reply (POST /t/<id>/reply, through the test client) in a thread that
  10,000 members watch, beside one in a thread nobody watches (the fan-out is a job, so the
  two should match);
- the time of the fan-out job itself for a reply in the watched thread (goal: under 10 s);
- the unread-count query (the bell's poll) and /notifications for a member with 100,000
  notifications: median times and the number of SQL statements.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from forum import create_app, jobs  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.database import create_schema  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.notifications import fanout, queries  # noqa: E402
from forum.notifications.models import Notification, ThreadWatch  # noqa: E402
from forum.threads.models import Category, Post, Thread  # noqa: E402
from forum.timeutil import utcnow  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402

PASSWORD = "bench password"


def median_ms(samples):
    return f"{statistics.median(samples) * 1000:.1f} ms"


def load(watchers: int) -> dict:
    from werkzeug.security import generate_password_hash

    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    now = utcnow()
    rows = [{"username": f"w{i}", "username_key": f"w{i}", "email": f"w{i}@example.org",
             "password_hash": hashed, "role": "member", "bio": "", "created_at": now,
             "suspended_for_abuse": False} for i in range(watchers + 2)]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start:start + 5000])
    category = Category(slug="bench", name="Bench")
    db.session.add(category)
    db.session.flush()
    author, replier = db.session.get(User, 1), db.session.get(User, 2)
    made = {}
    for name in ("watched", "quiet"):
        thread = Thread(category=category, author=author, title=name, slug=name, created_at=now,
                        last_activity_at=now, post_count=1)
        db.session.add_all([thread, Post(thread=thread, author=author, position=1, body="x",
                                         html="<p>x</p>", created_at=now)])
        db.session.flush()
        made[name] = thread.id
    watches = [{"user_id": i, "thread_id": made["watched"], "level": "watching", "updated_at": now}
               for i in range(3, watchers + 3)]
    for start in range(0, len(watches), 5000):
        db.session.execute(insert(ThreadWatch), watches[start:start + 5000])
    notifications = [{"user_id": author.id, "kind": "helpful", "thread_id": made["quiet"],
                      "post_id": None, "actor_id": replier.id, "count": 1, "open_key": None,
                      "created_at": now, "updated_at": now, "read_at": None if i % 2 else now}
                     for i in range(100_000)]
    for start in range(0, len(notifications), 10000):
        db.session.execute(insert(Notification), notifications[start:start + 10000])
    db.session.commit()
    return {"author": author.username, "replier": replier.username, **made}


def measure(app, data: dict, runs: int) -> None:
    client = app.test_client()
    client.post("/login", data={"username": data["replier"], "password": PASSWORD})
    times = {"watched": [], "quiet": []}
    for _ in range(runs):
        for name in ("quiet", "watched"):
            started = time.perf_counter()
            response = client.post(f"/t/{data[name]}/reply", data={"body": "A reply to measure."})
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 303, response.status_code
        jobs.drain(app, timeout=600)
    print(f"reply, thread with {data['watchers']:,} watchers: {median_ms(times['watched'])}")
    print(f"reply, thread nobody watches:           {median_ms(times['quiet'])}")

    post = Post(thread_id=data["watched"], author_id=2, position=10_000, body="job", html="<p>job</p>",
                created_at=utcnow())
    db.session.add(post)
    db.session.commit()
    started = time.perf_counter()
    fanout.post_written(post.id, "created")
    print(f"fan-out job, {data['watchers']:,} watchers:       {time.perf_counter() - started:.2f} s")

    statements = []
    event.listen(Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    samples = []
    for _ in range(50):
        started = time.perf_counter()
        queries.unread_count(1)
        samples.append(time.perf_counter() - started)
    print(f"unread count, 100,000 notifications:    {median_ms(samples)} (1 statement)")
    author = app.test_client()
    author.post("/login", data={"username": data["author"], "password": PASSWORD})
    for page in (1, 1000):
        author.get(f"/notifications?page={page}")
        statements.clear()
        samples = []
        for _ in range(max(3, runs)):
            started = time.perf_counter()
            assert author.get(f"/notifications?page={page}").status_code == 200
            samples.append(time.perf_counter() - started)
        print(f"/notifications?page={page}, 100,000:      {median_ms(samples)}, "
              f"{len(statements) // max(3, runs)} statements")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with scratch_database(args.db) as url:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                          "MAIL_DELAY_SECONDS": 3600, "PAGE_CACHE_SECONDS": 0})
        with app.app_context():
            create_schema()
            data = load(args.watchers) | {"watchers": args.watchers}
            measure(app, data, args.runs)
            jobs.shutdown(app)
            db.session.remove()
            db.engine.dispose()

if __name__ == "__main__":
    main()
