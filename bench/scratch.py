"""A throwaway database for a benchmark: a PostgreSQL database created for the run and
dropped after it, or a SQLite file in a temporary folder."""
import os
import tempfile
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text

# The server the benchmarks create their databases on (its own database is only connected to).
SERVER = os.environ.get("FORUM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def engine_url(url: str) -> str:
    """A postgresql:// URL for SQLAlchemy with psycopg 3."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def scratch_database(backend: str, prefix: str = "forum_bench", keep: bool = False,
                     reuse: str | None = None):
    """Yields the DATABASE_URL of an empty database of ``backend`` ("postgresql" or
    "sqlite"), gone afterwards. On PostgreSQL, ``keep`` leaves it (and says its name), and
    ``reuse`` names one kept before (neither created nor dropped)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    name = reuse or f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(engine_url(SERVER), isolation_level="AUTOCOMMIT")
    try:
        if not reuse:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield SERVER.rsplit("/", 1)[0] + "/" + name
        finally:
            if keep or reuse:
                print(f"kept database {name}")
            else:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
