"""Query counting across every engine: the page cache reads its validators on an engine of
its own (forum/pagecache.py), and those queries count too."""
import pytest
from sqlalchemy.engine import Engine

from tests.conftest import counting_queries


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...``: the SQL run inside the block, on any engine."""
    return lambda: counting_queries(Engine)
