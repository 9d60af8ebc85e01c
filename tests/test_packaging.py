"""The wheel carries everything the forum needs, and nothing happens to a database until used.

Builds the wheel as a release would, installs it into a folder of its own (outside this
checkout, so nothing is found by accident in the source tree) and serves it with gunicorn over
the embedded SQLite default.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The forum's wheel, built from this checkout and installed into a folder of its own."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("forum-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("forum/templates/base.html", "forum/static/forum.css", "forum/migrations/env.py",
                   "forum/migrations/alembic.ini", "forum/migrations/versions/0001_schema.py"):
        assert needed in names
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    return site


def environment(site: Path, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORUM_", "FLASK_"))}
    # The installed copy comes first on the path; dependencies come from this interpreter.
    env.update(PYTHONPATH=str(site), FORUM_INSTANCE_PATH=str(instance), PYTHONDONTWRITEBYTECODE="1")
    return env


def test_forum_help_from_the_wheel_lists_commands_and_touches_no_database(installed, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import sys, forum; print(forum.__file__, file=sys.stderr); "
                               "from forum.cli import main; sys.argv = ['forum', '--help']; main()"],
        env=environment(installed, tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(str(installed))  # the wheel's copy, not this checkout
    for command in ("seed-demo", "close-stale", "create-user", "db"):
        assert command in result.stdout
    assert not (tmp_path / "forum.sqlite3").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_installed_wheel_serves_the_forum_with_gunicorn(installed, tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "forum:create_app()"],
        env=environment(installed, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:  # until gunicorn answers (bounded)
            try:
                home = urllib.request.urlopen(base + "/", timeout=10)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.1)
        assert home.status == 200 and b"<html" in home.read().lower()
        css = urllib.request.urlopen(base + "/static/forum.css", timeout=10)
        assert css.status == 200 and b"{" in css.read()
        assert (tmp_path / "forum.sqlite3").exists()  # created and migrated on first use
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Created the database at sqlite:///" in output
