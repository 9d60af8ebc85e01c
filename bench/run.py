"""The forum's speed, measured: each page's throughput as a share of Flask's hello world.

    python -m bench.run --db postgresql            # or sqlite; --redis puts the caches on Redis

Builds (or reuses) the benchmark database (bench/generate.py), then serves Flask's hello world
and the forum side by side with the same gunicorn config and worker count, and loads each page
with wrk on 127.0.0.1 for a bounded time, hello world right before it (and once after the
last page): each page's ratio is to the hello world runs on either side. It prints, per page:
requests/s, the ratio to hello world, p50 and p99 latency, SQL queries per request (a visitor's
cached repeat visit, and in brackets the uncached render), and the resident memory of the
largest worker. Pages are fetched as a visitor (not logged in), as most readers are, and the
pages members see most as a logged-in member (every one a fresh render): the thread, the home
page, a profile and a search that finds nothing. Then it times the leaderboard's ranked read for each
window (bench/leaderboard.py).
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench import generate, leaderboard

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BASE_URL = "http://forum.bench"
# The goals of issue 18, as shares of hello world's throughput.
GOALS = {"thread": 0.50, "thread (member)": 0.25, "home": 0.50, "category": 0.50, "leaderboard": 0.40,
         "profile": 0.30, "feed 304": 0.80}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited; see its output above")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


@contextmanager
def gunicorn(app: str, workers: int, threads: int, env: dict):
    """Serve ``app`` with gunicorn.conf.py on a free port; yields (base URL, master pid)."""
    port = free_port()
    environment = {**os.environ, **env, "FORUM_BIND": f"127.0.0.1:{port}",
                   "WEB_CONCURRENCY": str(workers), "FORUM_THREADS": str(threads),
                   "FORUM_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app],
        cwd=ROOT, env=environment)
    try:
        wait_until_serving(port, process)
        time.sleep(1.0)  # let every worker finish booting
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_rss_mb(master_pid: int) -> float:
    """The resident memory of the largest worker of a gunicorn master, in MB."""
    largest = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            largest = max(largest, int(fields.get("VmRSS", "0 kB").split()[0]))
    return largest / 1024


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": float(rate.group(1)) if rate else 0.0, "p50": latency("50"),
            "p99": latency("99"), "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


def wrk(url: str, duration: int, connections: int, headers: dict | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def pages(url: str) -> list[dict]:
    """What to load, found in the benchmark data; each with its query counts, or skipped."""
    from flask import request_started  # noqa: F401  (the app must import before we count)
    from sqlalchemy import event, func, select
    from sqlalchemy.engine import Engine

    from forum import create_app
    from forum.contribution.models import MemberScore
    from forum.extensions import db
    from forum.threads.models import Thread

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False,
                      "BASE_URL": BASE_URL, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    member = app.test_client()
    found = []
    with app.app_context():
        from forum.contribution import ledger

        ledger.sweep()  # the windows brought up to date, as a running forum's sweep keeps them
        db.session.commit()
        hot = db.session.scalars(select(Thread).where(Thread.reply_count >= 200)
                                 .order_by(Thread.id).limit(1)).one()
        top = db.session.execute(
            select(MemberScore.user_id).order_by(MemberScore.all_time.desc()).limit(1)).scalar()
        username = f"member{top}"
        assert db.session.scalar(select(func.count()).select_from(Thread)) > 0
        candidates = [
            ("thread", f"/t/{hot.id}/{hot.slug}", {}),
            ("home", "/", {}),
            ("category", f"/c/{hot.category.slug}", {}),
            ("leaderboard", "/leaderboard?period=month", {}),
            ("profile", f"/u/{username}", {}),
            ("feed 304", "/feed.atom", None),
            ("thread (member)", f"/t/{hot.id}/{hot.slug}", "member"),
            ("home (member)", "/", "member"),
            ("profile (member)", f"/u/{username}", "member"),
            ("search, no hits", "/search?q=zyzzogeton", "member"),
        ]
        # A member who reads and marks, not the top scorer whose profile is measured.
        login = member.post("/login", data={"username": "member2", "password": generate.PASSWORD})
        cookie = "; ".join(f"{c.key}={c.value}" for c in
                           filter(None, (member.get_cookie(name) for name in ("session", "remember_token"))))
        if login.status_code != 303 or not cookie:
            raise SystemExit(f"could not log in as member2 ({login.status_code})")
    # Each request outside the set-up's app context: requests made inside one share its `g`,
    # and the member's login would leak into the visitor's requests.
    statements: list[str] = []
    event.listen(Engine, "before_cursor_execute",  # every engine: the page cache has its own
                 lambda *args: statements.append(args[2]))
    for name, path, headers in candidates:
        browser = client
        if headers == "member":
            browser, headers = member, {"Cookie": cookie}
        first = browser.get(path)
        if first.status_code == 404:
            found.append({"name": name, "path": path, "skip": "no such page on this branch"})
            continue
        if headers is None:  # a conditional GET: send back the validators we were given
            headers = {k: v for k, v in (("If-None-Match", first.headers.get("ETag")),
                                         ("If-Modified-Since",
                                          first.headers.get("Last-Modified"))) if v}
        statements.clear()
        response = browser.get(path, headers=headers if browser is client else {})
        repeat = len(statements)
        expected = 304 if name == "feed 304" else 200
        if response.status_code != expected:
            found.append({"name": name, "path": path,
                          "skip": f"answered {response.status_code}, not {expected}"})
            continue
        from forum.extensions import cache

        with app.app_context():
            cache.clear()
        statements.clear()
        browser.get(path, headers=headers if browser is client else {})
        found.append({"name": name, "path": path, "headers": headers,
                      "queries": repeat, "uncached_queries": len(statements),
                      "bytes": len(first.get_data())})
    return found


def check_status(url: str, headers: dict, expected: int) -> None:
    """Refuse to measure a page that does not answer as it should (e.g. a 200 for a 304)."""
    import urllib.error
    import urllib.request

    try:
        status = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != expected:
        raise SystemExit(f"{url} answered {status}, not {expected}: the figures would be wrong")


def run(args) -> str:
    url = generate.ensure(args.db, args.scale)
    targets = pages(url)
    # The same base URL as pages() used: a feed's ETag depends on it.
    env = {"FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": "bench", "FORUM_AUTO_MIGRATE": "false",
           "FORUM_BASE_URL": BASE_URL}
    if args.redis:
        env["FORUM_REDIS_URL"] = args.redis
    # This machine's throughput drifts under sustained load (hello world alone fell from 6,100
    # to 2,600 req/s over four 8 s runs): so hello world is measured right before each page
    # and once after the last, both servers up side by side, and each page's ratio is to the
    # mean of the hello world runs around it.
    hello: list[dict] = []
    results = []
    with gunicorn("bench.hello:app", args.workers, args.threads, {}) as (hello_base, _), \
            gunicorn("forum:create_app()", args.workers, args.threads, env) as (base, master):
        wrk(hello_base + "/", 2, args.connections)  # warm up
        for target in targets:
            if "skip" in target:
                continue
            check_status(base + target["path"], target["headers"],
                         304 if target["name"] == "feed 304" else 200)
            hello.append(wrk(hello_base + "/", args.duration, args.connections))
            wrk(base + target["path"], 2, args.connections, target["headers"])  # warm up
            target.update(wrk(base + target["path"], args.duration, args.connections,
                              target["headers"]))
            target["rss"] = worker_rss_mb(master)
            target["hello"] = len(hello) - 1
            results.append(target)
        hello.append(wrk(hello_base + "/", args.duration, args.connections))
    for r in results:
        r["ratio"] = r["rps"] / ((hello[r["hello"]]["rps"] + hello[r["hello"] + 1]["rps"]) / 2)
    hello_rps = sum(h["rps"] for h in hello) / len(hello)

    lines = [
        f"Database: {args.db}{' + Redis cache' if args.redis else ''}; gunicorn gthread, "
        f"{args.workers} workers x {args.threads} threads; wrk {args.connections} connections, "
        f"{args.duration} s per page; {os.cpu_count()} CPUs.",
        f"Hello world: {hello_rps:,.0f} req/s on average; measured before each page and after "
        f"the last (runs: " + ", ".join(f"{h['rps']:,.0f}" for h in hello) + "); each ratio is "
        "to the runs on either side of its page.",
        "",
        "| page | req/s | vs hello world | goal | p50 ms | p99 ms | queries (uncached) | worker RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        goal = GOALS.get(r["name"])
        errors = f" ({r['non_2xx']} errors)" if r["non_2xx"] else ""
        lines.append(
            f"| {r['name']} `{r['path']}` | {r['rps']:,.0f}{errors} | {r['ratio']:.0%} "
            f"| {f'{goal:.0%}' if goal else ''} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['queries']} ({r['uncached_queries']}) | {r['rss']:.0f} |")
    for target in targets:
        if "skip" in target:
            lines.append(f"| {target['name']} `{target['path']}` | skipped: {target['skip']} "
                         "| | | | | | |")
    lines += ["", f"Leaderboard ranked read, {leaderboard.events_count(url):,} events, "
              f"first page of {leaderboard.PAGE_SIZE} (median / max of 30):", ""]
    for window, timing in leaderboard.time_windows(url).items():
        lines.append(f"- {window}: {timing['median_ms']:.1f} ms / {timing['max_ms']:.1f} ms")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: 2 with --redis, else 1, as gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: 4 with --redis, else 8)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--redis", nargs="?", const="redis://127.0.0.1:6379/0", default=None,
                        help="put the forum's caches on Redis (default redis://127.0.0.1:6379/0)")
    args = parser.parse_args()
    # Served as it would be: without Redis the caches and limits are a process's own, so one
    # process with threads (gunicorn.conf.py); with Redis, processes.
    args.workers = args.workers or (2 if args.redis else 1)
    args.threads = args.threads or (4 if args.redis else 8)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    report = run(args)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    name = f"latest-{args.db}{'-redis' if args.redis else ''}.md"
    (RESULTS / name).write_text(f"`python -m bench.run {' '.join(sys.argv[1:])}`\n\n{report}\n")


if __name__ == "__main__":
    main()
