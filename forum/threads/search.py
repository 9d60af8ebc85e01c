"""Full-text search over thread titles and post bodies, behind one interface.

SQLite: FTS5 tables kept in step by triggers. PostgreSQL: GIN indexes over ``to_tsvector``.
:func:`install` creates either; both ``create_all`` and the migration call it.
"""
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Objects this module owns; Alembic's autogenerate leaves them alone.
SEARCH_TABLES = frozenset({"posts_fts", "threads_fts"})
SEARCH_INDEXES = frozenset({"ix_posts_body_search", "ix_threads_title_search"})

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5("
    "body, content='posts', content_rowid='id', tokenize='porter unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS threads_fts USING fts5("
    "title, content='threads', content_rowid='id', tokenize='porter unicode61')",
]
for table, column in (("posts", "body"), ("threads", "title")):
    SQLITE_DDL += [
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {table}_fts(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {table}_fts({table}_fts, rowid, {column}) "
        f"VALUES ('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_au AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {table}_fts({table}_fts, rowid, {column}) "
        f"VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {table}_fts(rowid, {column}) VALUES (new.id, new.{column}); END",
    ]

POSTGRES_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_posts_body_search ON posts "
    "USING gin (to_tsvector('english', body))",
    "CREATE INDEX IF NOT EXISTS ix_threads_title_search ON threads "
    "USING gin (to_tsvector('english', title))",
]


def install(connection: Connection) -> None:
    """Create the search tables or indexes for this connection's database."""
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL
    for statement in statements:
        connection.execute(text(statement))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the search objects are managed here, not by autogenerate."""
    if type_ == "table" and (name in SEARCH_TABLES or name.startswith(tuple(SEARCH_TABLES))):
        return False
    if type_ == "index" and name in SEARCH_INDEXES:
        return False
    return True


@dataclass
class Hit:
    post_id: int
    thread_id: int


def fts_query(words: str) -> str:
    """A user's words as an FTS5 query: each word a quoted prefix term, all required."""
    terms = [w.replace('"', "") for w in words.split()]
    return " ".join(f'"{t}"*' for t in terms if t)


# Each side of the UNION is answered by its own full-text index (FTS5 table or GIN index): an
# OR across posts and threads would make the planner walk every post instead. The hits are
# then filtered for visibility and the newest kept.
SQLITE_SEARCH = text(
    "SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id "
    "WHERE p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.deleted_at IS NULL AND p.id IN ("
    " SELECT rowid FROM posts_fts WHERE posts_fts MATCH :q"
    " UNION"
    " SELECT o.id FROM posts o WHERE o.position = 1"
    "  AND o.thread_id IN (SELECT rowid FROM threads_fts WHERE threads_fts MATCH :q)"
    ") ORDER BY p.id DESC LIMIT :limit"
)
POSTGRES_SEARCH = text(
    "WITH query AS (SELECT websearch_to_tsquery('english', :q) AS q), hits AS ("
    " SELECT posts.id FROM posts, query"
    "  WHERE to_tsvector('english', posts.body) @@ query.q"
    " UNION"
    " SELECT o.id FROM threads, query, posts o"
    "  WHERE to_tsvector('english', threads.title) @@ query.q"
    "  AND o.thread_id = threads.id AND o.position = 1"
    ") "
    "SELECT p.id FROM hits JOIN posts p ON p.id = hits.id JOIN threads t ON t.id = p.thread_id "
    "WHERE p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.deleted_at IS NULL "
    "ORDER BY p.id DESC LIMIT :limit"
)


def search_statement(dialect: str, words: str):
    """The statement and its parameters for ``words`` on this database, or None to find nothing."""
    if dialect == "sqlite":
        query = fts_query(words)
        return (SQLITE_SEARCH, query) if query else None
    return (POSTGRES_SEARCH, words) if words.split() else None


def matching_post_ids(session, words: str, limit: int = 50) -> list[int]:
    """Ids of visible posts whose body, or whose thread's title, matches ``words``.

    Newest first. Opening posts stand for their thread's title.
    """
    found = search_statement(session.get_bind().dialect.name, words)
    if found is None:
        return []
    statement, query = found
    return list(session.execute(statement, {"q": query, "limit": limit}).scalars())


def uninstall(connection: Connection) -> None:
    """Drop what :func:`install` created."""
    if connection.dialect.name == "sqlite":
        for table in ("posts", "threads"):
            for suffix in ("ai", "ad", "au"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}"))
            connection.execute(text(f"DROP TABLE IF EXISTS {table}_fts"))
    else:
        for index in SEARCH_INDEXES:
            connection.execute(text(f"DROP INDEX IF EXISTS {index}"))
