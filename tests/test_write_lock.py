"""SQLite's one write lock: a write that cannot get it in time is a 503, never a 500.

Another connection holds the lock here (``write_lock_held``), as a long write elsewhere would.
The busy timeout is short so the test does not wait 15 s.
"""

from sqlalchemy import func, select

from forum.extensions import db
from forum.threads.models import Post
from tests.conftest import Make
from tests.interleave import member_client, write_lock_held


def test_a_write_that_cannot_get_the_lock_is_a_503_with_retry_after(sqlite_app):
    make = Make(sqlite_app)
    thread_id = make.thread(title="Busy").id
    make.user("ada")
    ada = member_client(sqlite_app, "ada")
    db.session.commit()  # the test's own read ends
    with write_lock_held():
        assert ada.get(f"/t/{thread_id}").status_code == 200  # reading needs no lock
        busy = ada.post(f"/t/{thread_id}/reply", data={"body": "Now?"})
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2"
    assert "busy" in busy.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1  # nothing stored
    assert ada.post(f"/t/{thread_id}/reply", data={"body": "Now?"}).status_code == 303
