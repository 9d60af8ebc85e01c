"""Trust benchmark: trusting a member re-counts 10,000 held events in one job.

    python -m bench.trust_release [--db postgresql|sqlite] [--held 10000] [--authors 2000] [--keep]

It builds a database of its own (PostgreSQL: on the server named by FORUM_BENCH_POSTGRES_URL,
default postgresql://postgres@127.0.0.1:5432/postgres; SQLite: a temporary file): one member
not yet trusted who marked ``--held`` replies helpful (spread over ``--authors`` authors who
are not trusted either, five replies each by default), each mark a held event, loaded in bulk.
Then a moderator trusts the member through the service (``trust.set_trust``) and the benchmark
times that and the job it enqueues, ``trust.spread_trust``, run to the end on the embedded
queue's thread, all in the app's own code: the held events
released, every mark recorded again as a counted event under the caps, the scores moved, and
every author made trusted in turn (the cascade). It checks the result (no event left held,
each mark counted once, each author trusted and scored) and prints seconds.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from forum import create_app, jobs  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.contribution import rules, trust  # noqa: E402
from forum.contribution.models import ContributionEvent, HelpfulMark, MemberScore  # noqa: E402
from forum.database import create_schema  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.threads.models import Category, Post, Thread  # noqa: E402
from forum.timeutil import utcnow  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402

def load(held: int, authors: int) -> tuple[int, int]:
    """The giver, a moderator, the authors, their replies, the marks and the held events."""
    now = utcnow()
    users = [{"id": 1, "username": "giver", "role": "member"},
             {"id": 2, "username": "moderator", "role": "moderator"}]
    users += [{"id": 3 + i, "username": f"author{i}", "role": "member"} for i in range(authors)]
    db.session.execute(insert(User), [dict(u, username_key=u["username"],
                                           email=f"{u['username']}@example.org",
                                           password_hash="x", bio="", created_at=now,
                                           suspended_for_abuse=False) for u in users])
    db.session.execute(insert(Category), [{"id": 1, "slug": "bench", "name": "Bench",
                                           "description": "", "position": 0}])
    db.session.execute(insert(Thread), [{"id": 1, "category_id": 1, "author_id": 2,
                                         "title": "Bench", "slug": "bench", "created_at": now,
                                         "last_activity_at": now, "post_count": held + 1,
                                         "reply_count": held, "pinned": False}])
    posts = [{"id": 1, "thread_id": 1, "author_id": 2, "position": 1, "body": "x", "html": "x",
              "created_at": now, "version": 1}]
    posts += [{"id": 2 + i, "thread_id": 1, "author_id": 3 + i % authors, "position": 2 + i,
               "body": "x", "html": "x", "created_at": now, "version": 1} for i in range(held)]
    db.session.execute(insert(Post), posts)
    db.session.execute(insert(HelpfulMark), [{"post_id": 2 + i, "user_id": 1, "created_at": now}
                                             for i in range(held)])
    db.session.execute(insert(ContributionEvent), [{
        "beneficiary_id": 3 + i % authors, "actor_id": 1, "kind": "helpful", "post_id": 2 + i,
        "points": 0, "note": rules.HELD_NOTE, "held": True, "created_at": now,
        "window_level": len(rules.WINDOWS)} for i in range(held)])
    db.session.commit()
    return 1, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--held", type=int, default=10_000)
    parser.add_argument("--authors", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with scratch_database(args.db, "forum_bench_trust", keep=args.keep) as url:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                          "AUTO_MIGRATE": False})
        with app.app_context():
            create_schema()
            giver_id, moderator_id = load(args.held, args.authors)
            giver, moderator = db.session.get(User, giver_id), db.session.get(User, moderator_id)
            started = time.perf_counter()
            trust.set_trust(giver, moderator, True)  # commits, then enqueues the job
            jobs.drain(app)  # ... which runs on the embedded queue's thread
            elapsed = time.perf_counter() - started
            made = db.session.scalars(select(User.id).where(User.trusted_by_id == giver_id)).all()

            events = ContributionEvent.__table__.c
            still_held = db.session.scalar(select(func.count()).where(
                events.held.is_(True), events.reversed_at.is_(None)))
            counted = db.session.scalar(select(func.count()).where(
                events.held.is_(False), events.reversed_at.is_(None), events.points > 0))
            total = db.session.scalar(select(func.sum(MemberScore.all_time)))
            assert still_held == 0, still_held
            assert counted == args.held, counted
            assert total == 10 * args.held, total
            assert len(made) == args.authors, len(made)
            print(f"{args.db}: trusting a member re-counted {args.held:,} held events "
                  f"(to {args.authors:,} authors, each then made trusted) in {elapsed:.2f} s")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
