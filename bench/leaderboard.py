"""Time the ranked leaderboard read for every window, straight against the database.

    python -m bench.leaderboard --db postgresql

The leaderboard is a ranked read of ``member_scores`` (kept in step with the ledger). The
query below is the shape that stays fast at any size: the page comes from the window's index
(ties by username), and each row's competition rank is one plus the number of members with a
strictly higher score, counted on the same index — so only rows above the page are read.
"""
import argparse
import statistics
import time

from sqlalchemy import create_engine, text

from bench import generate

WINDOWS = {"week": "week", "month": "month", "year": "year", "all": "all_time",
           "current": "decayed"}
PAGE_SIZE = 50


def ranked_page_sql(column: str) -> str:
    return f"""
        WITH page AS (
            SELECT s.user_id, s.{column} AS score, u.username
            FROM member_scores s JOIN users u ON u.id = s.user_id
            WHERE s.{column} > 0
            ORDER BY s.{column} DESC, u.username
            LIMIT :limit OFFSET :offset
        )
        SELECT page.username, page.score,
               1 + (SELECT count(*) FROM member_scores h WHERE h.{column} > page.score) AS rank
        FROM page ORDER BY page.score DESC, page.username
    """


def time_windows(url: str, runs: int = 30, page: int = 1) -> dict[str, dict]:
    """{window: {"median_ms", "max_ms", "rows", "first"}} over ``runs`` timed reads each."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    results = {}
    with engine.connect() as connection:
        for window, column in WINDOWS.items():
            statement = text(ranked_page_sql(column))
            params = {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
            rows = connection.execute(statement, params).all()  # warm the cache once
            timings = []
            for _ in range(runs):
                began = time.perf_counter()
                connection.execute(statement, params).all()
                timings.append((time.perf_counter() - began) * 1000)
            results[window] = {"median_ms": statistics.median(timings), "max_ms": max(timings),
                               "rows": len(rows), "first": tuple(rows[0]) if rows else None}
    engine.dispose()
    return results


def events_count(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM contribution_events")).scalar()
    engine.dispose()
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--page", type=int, default=1)
    args = parser.parse_args()
    url = generate.ensure(args.db, args.scale)
    print(f"{args.db}, {events_count(url):,} contribution events, page {args.page}")
    for window, result in time_windows(url, page=args.page).items():
        print(f"  {window:8} median {result['median_ms']:6.2f} ms   max {result['max_ms']:6.2f} ms"
              f"   top: {result['first']}")


if __name__ == "__main__":
    main()
