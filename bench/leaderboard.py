"""Leaderboard benchmark: 100,000 members and 1,000,000 ledger events on PostgreSQL.

    python -m bench.leaderboard [--members 100000] [--events 1000000] [--runs 30] [--keep]
    python -m bench.leaderboard --generated [--db postgresql|sqlite] [--scale 1.0]

It times the app's own ``forum.contribution.queries.leaderboard`` (the page rows, the first
rank's count, the member total; ranks are competition ranks, ties by username), not a copy
of its SQL. ``--generated`` times the data set of ``bench.generate`` (kept between runs,
shared with ``bench.run``). Without it, the benchmark creates a database of its own on the server named by FORUM_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), builds the schema from the models, loads
members and events with COPY, fills MemberScore from the ledger in bulk SQL (the same sums
as ``ledger.recompute_scores``, checked against it for a sample of members), then times
``queries.leaderboard`` for every period and prints milliseconds per window. The
database is dropped at the end unless ``--keep``.
"""
import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from forum import create_app, jobs  # noqa: E402
from forum.contribution import ledger, queries, rules  # noqa: E402
from forum.database import create_schema  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.timeutil import utcnow  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402

PAGE_SIZE = queries.LEADERBOARD_PER_PAGE
KIND_WEIGHTS = {"helpful": 70, "accepted": 8, "shared": 15, "linked": 5, "pingback": 2}
POINTS = {"helpful": 10, "accepted": 15, "shared": 5, "linked": 5, "pingback": 5}
HISTORY_DAYS = 730


def load_members(connection, members: int) -> None:
    now = utcnow()
    with connection.cursor() as cursor:
        with cursor.copy("COPY users (id, username, username_key, email, password_hash, role, "
                         "bio, bio_html, created_at, suspended_for_abuse) FROM STDIN") as copy:
            for i in range(1, members + 1):
                name = f"member{i:06d}"
                copy.write_row((i, name, name, f"{name}@example.org", "x", "member", "", "",
                                now - timedelta(days=HISTORY_DAYS), False))
        cursor.execute("SELECT setval('users_id_seq', %s)", (members,))


def load_events(connection, members: int, events: int, seed: int) -> None:
    """Events with a long tail: a few members receive much, most receive a little."""
    rng = random.Random(seed)
    now = utcnow()
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    with connection.cursor() as cursor:
        with cursor.copy("COPY contribution_events (id, beneficiary_id, actor_id, kind, points, "
                         "created_at, reversed_at, window_level, held) FROM STDIN") as copy:
            for i in range(1, events + 1):
                beneficiary = min(members, int(rng.paretovariate(1.1))) if rng.random() < 0.3 \
                    else rng.randint(1, members)
                actor = rng.randint(1, members)
                if actor == beneficiary:
                    actor = actor % members + 1
                kind = rng.choices(kinds, weights)[0]
                created = now - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400))
                reversed_at = created + timedelta(hours=1) if rng.random() < 0.05 else None
                level = 0 if reversed_at else rules.level_at(created, now)
                copy.write_row((i, beneficiary, None if kind == "pingback" else actor, kind,
                                POINTS[kind], created, reversed_at, level, False))
        cursor.execute("SELECT setval('contribution_events_id_seq', %s)", (events,))


def fill_scores(session, half_life: float) -> None:
    """MemberScore from the ledger in one statement: live points per window, all time, and
    the decayed sum (each point weighted 2 ** (days since the epoch / half-life))."""
    session.execute(text("""
        INSERT INTO member_scores (user_id, username_key, week, month, year, all_time, decayed)
        SELECT beneficiary_id, (SELECT username_key FROM users WHERE users.id = beneficiary_id),
               coalesce(sum(points) FILTER (WHERE window_level >= 3), 0),
               coalesce(sum(points) FILTER (WHERE window_level >= 2), 0),
               coalesce(sum(points) FILTER (WHERE window_level >= 1), 0),
               sum(points),
               sum(points * power(2.0, extract(epoch FROM created_at - :epoch) / 86400.0
                                       / :half_life))
        FROM contribution_events WHERE reversed_at IS NULL
        GROUP BY beneficiary_id
    """), {"epoch": rules.DECAY_EPOCH, "half_life": half_life})


def check_against_recompute(session, sample: int = 50) -> None:
    """The bulk sums equal the ledger's own recompute for a sample of members."""
    ids = [row[0] for row in session.execute(text(
        "SELECT user_id FROM member_scores ORDER BY random() LIMIT :n"), {"n": sample})]
    before = {row[0]: tuple(row[1:]) for row in session.execute(text(
        "SELECT user_id, week, month, year, all_time, round(decayed::numeric, 3) "
        "FROM member_scores WHERE user_id = ANY(:ids)"), {"ids": ids})}
    ledger.recompute_scores()
    after = {row[0]: tuple(row[1:]) for row in session.execute(text(
        "SELECT user_id, week, month, year, all_time, round(decayed::numeric, 3) "
        "FROM member_scores WHERE user_id = ANY(:ids)"), {"ids": ids})}
    session.rollback()  # keep the bulk-filled table; only compare
    mismatched = [i for i in ids if before[i] != after[i]]
    if mismatched:
        raise SystemExit(f"bulk scores differ from recompute_scores for {mismatched[:5]}")
    print(f"checked: bulk MemberScore equals ledger.recompute_scores for {len(ids)} members")


def time_periods(app, runs: int) -> None:
    with app.test_request_context("/leaderboard"):
        ledger.sweep_if_due()  # as a reader would; the minute's sweep is then done
        jobs.drain(app)
        print(f"{'period':<8} {'page':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  top")
        for period in rules.PERIODS:
            for page in (1, 100):
                samples = []
                for _ in range(runs + 3):
                    start = time.perf_counter()
                    board = queries.leaderboard(period, page)
                    samples.append((time.perf_counter() - start) * 1000)
                    db.session.rollback()
                samples = sorted(samples[3:])  # the first runs warm the cache
                first = (f"#{board.rows[0].rank} {board.rows[0].username} "
                         f"{board.rows[0].score:.1f}" if board.rows else "(empty page)")
                print(f"{period:<8} {page:>5} {statistics.median(samples):>10.2f} "
                      f"{samples[int(len(samples) * 0.95) - 1]:>8.2f} {samples[-1]:>8.2f}  "
                      f"{first} of {board.total}")
    client = app.test_client()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        assert client.get("/leaderboard?period=month").status_code == 200
        samples.append((time.perf_counter() - start) * 1000)
    print(f"whole /leaderboard?period=month page (render included): "
          f"median {statistics.median(samples):.2f} ms")


def bench_app(url: str):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})


def events_count(url: str) -> int:
    app = bench_app(url)
    with app.app_context():
        count = db.session.scalar(text("SELECT count(*) FROM contribution_events"))
        db.session.remove()
        db.engine.dispose()
    return count


def time_windows(url: str, runs: int = 30, page: int = 1) -> dict[str, dict]:
    """{period: {"median_ms", "max_ms", "rows", "first"}}: ``queries.leaderboard`` timed
    ``runs`` times per period after one warm-up read."""
    app = bench_app(url)
    results = {}
    with app.test_request_context("/leaderboard"):
        ledger.sweep_if_due()
        jobs.drain(app)
        for period in rules.PERIODS:
            board = queries.leaderboard(period, page)
            timings = []
            for _ in range(runs):
                began = time.perf_counter()
                queries.leaderboard(period, page)
                timings.append((time.perf_counter() - began) * 1000)
                db.session.rollback()
            first = board.rows[0] if board.rows else None
            results[period] = {"median_ms": statistics.median(timings), "max_ms": max(timings),
                               "rows": len(board.rows),
                               "first": (first.rank, first.username, first.score) if first else None}
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="NAME", help="time a database kept by --keep")
    parser.add_argument("--generated", action="store_true",
                        help="time bench.generate's data set instead of building one")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--page", type=int, default=1)
    args = parser.parse_args()
    if args.generated:
        from bench import generate

        url = generate.ensure(args.db, args.scale)
        print(f"{args.db}, {events_count(url):,} contribution events, page {args.page}")
        for period, result in time_windows(url, args.runs, args.page).items():
            print(f"  {period:8} median {result['median_ms']:6.2f} ms   "
                  f"max {result['max_ms']:6.2f} ms   top: {result['first']}")
        return

    with scratch_database("postgresql", keep=args.keep, reuse=args.reuse) as url:
        app = bench_app(url)
        with app.app_context():
            if args.reuse:
                time_periods(app, args.runs)
                return
            create_schema()
            started = time.perf_counter()
            raw = db.engine.raw_connection()
            try:
                load_members(raw.driver_connection, args.members)
                load_events(raw.driver_connection, args.members, args.events, args.seed)
                raw.commit()
            finally:
                raw.close()
            fill_scores(db.session, float(app.config["SCORE_HALF_LIFE_DAYS"]))
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
            print(f"loaded {args.members:,} members and {args.events:,} events "
                  f"in {time.perf_counter() - started:.1f} s (PostgreSQL "
                  f"{db.session.scalar(text('SHOW server_version'))})")
            check_against_recompute(db.session)
            time_periods(app, args.runs)
            db.session.remove()
            db.engine.dispose()

if __name__ == "__main__":
    main()
