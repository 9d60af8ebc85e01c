"""The settings page: one page of sections (bio, API tokens, two-factor), each with its own
form; a refused form is a 400 that shows it again and stores nothing."""
import hashlib
import re
from datetime import datetime, timezone

import pyotp
import pytest
from sqlalchemy import select

from forum.accounts.models import ApiToken, RecoveryCode, User
from tests.accounts.conftest import logged_in_as
from tests.conftest import PASSWORD


def test_the_page_has_every_section_and_needs_a_login(site):
    assert site.browser().get("/settings").status_code == 302
    page = site.browser(site.user("ada")).get("/settings").get_data(as_text=True)
    for section in ("email", "bio", "password", "two-factor", "sessions", "api-tokens", "your-data"):
        assert f'id="settings-{section}"' in page


def test_the_bio_is_markdown_sanitized_like_posts_and_shown_on_the_profile(site):
    ada = site.user("ada")
    client = site.browser(ada)
    bio = "I study **decay**. <script>alert(1)</script> [site](javascript:alert(1))"
    assert client.post("/settings/bio", data={"bio": bio}).status_code == 303
    profile = site.browser().get("/u/ada").get_data(as_text=True)
    assert "<strong>decay</strong>" in profile
    assert "<script>alert(1)" not in profile and "javascript:" not in profile
    assert bio in client.get("/settings").get_data(as_text=True).replace("&lt;", "<").replace(
        "&gt;", ">").replace("&#34;", '"').replace("&#39;", "'")


@pytest.mark.parametrize("bio", ["x" * 5001, "a\x00b"])
def test_a_refused_bio_is_400_keeps_the_text_and_stores_nothing(site, bio):
    ada = site.user("ada")
    client = site.browser(ada)
    client.post("/settings/bio", data={"bio": "Kept."})
    response = client.post("/settings/bio", data={"bio": bio})
    assert response.status_code == 400
    with site.context() as session:
        assert session.get(User, ada.id).bio == "Kept."


def test_an_api_token_is_shown_once_stored_hashed_and_works_until_revoked(site):
    ada = site.user("ada")
    client = site.browser(ada)
    created = client.post("/settings/tokens", data={"name": "my script"})
    assert created.status_code == 201
    plain = re.search(r'<code class="new-token">([^<]+)</code>', created.get_data(as_text=True)).group(1)
    assert plain not in client.get("/settings").get_data(as_text=True)  # shown once only
    with site.context() as session:
        token = session.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert token.last_used_at is None
    api = site.app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200 and me.json["user"]["username"] == "ada"
    assert me.json["user"]["email"] == "ada@example.org"
    posts = api.get("/api/v1/me/posts", headers={"Authorization": f"Bearer {plain}"})
    assert posts.status_code == 200 and posts.json["posts"] == []
    page = client.get("/settings").get_data(as_text=True)
    assert "my script" in page and "last used" in page
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 303
    revoked = api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert revoked.status_code == 401 and revoked.json["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer forum_" + "x" * 43,
                                    "Basic YWRhOnB3", "Bearer " + "forum_" * 40])
def test_a_bad_or_missing_token_is_a_401_json_error(site, header):
    headers = {"Authorization": header} if header else {}
    response = site.browser().get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert set(response.json["error"]) == {"code", "message"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_an_api_token(site):
    client = site.browser(site.user("ada"))
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_token_needs_a_name(site, name):
    ada = site.user("ada")
    response = site.browser(ada).post("/settings/tokens", data={"name": name})
    assert response.status_code == 400
    with site.context() as session:
        assert session.scalar(select(ApiToken)) is None


def test_nobody_revokes_another_members_token(site):
    ada, bob = site.user("ada"), site.user("bob")
    site.browser(ada).post("/settings/tokens", data={"name": "ada's"})
    with site.context() as session:
        token_id = session.scalar(select(ApiToken.id))
    assert site.browser(bob).post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert site.browser(bob).post("/settings/tokens/99999999999/revoke").status_code == 404
    with site.context() as session:
        assert session.scalar(select(ApiToken.revoked_at)) is None


def setup_two_factor(site, client) -> tuple[str, list[str]]:
    assert client.post("/settings/two-factor/setup").status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="totp-key">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/settings/two-factor/enable", data={"code": "000000" if pyotp.TOTP(
        secret).now() != "000000" else "111111"})
    assert wrong.status_code == 400
    enabled = client.post("/settings/two-factor/enable", data={"code": pyotp.TOTP(secret).now()})
    assert enabled.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", enabled.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_two_factor_login_with_a_code_or_a_recovery_code_each_once(site):
    ada = site.user("ada")
    secret, codes = setup_two_factor(site, site.browser(ada))
    with site.context() as session:
        stored = session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and codes[0] not in stored
    client = site.browser()
    step = client.post("/login", data={"username": "ada", "password": PASSWORD})
    assert step.headers["Location"] == "/login/two-factor"
    assert logged_in_as(client) is None  # the password alone logs nobody in
    assert client.post("/login/two-factor", data={"code": "12345x"}).status_code == 400
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 303
    assert logged_in_as(client) == "ada"
    again = site.browser()
    again.post("/login", data={"username": "ada", "password": PASSWORD})
    assert again.post("/login/two-factor", data={"code": codes[0]}).status_code == 400  # used
    assert logged_in_as(again) is None
    # A code from the app logs in once: its time step is then used up. (The setup used the
    # current step; as if it had been a step earlier, the current code is fresh.)
    totp = pyotp.TOTP(secret)
    with site.context() as session:
        user = session.get(User, ada.id)
        user.totp_last_step = totp.timecode(datetime.now(timezone.utc)) - 2
        session.commit()
    code = totp.now()
    assert again.post("/login/two-factor", data={"code": code}).status_code == 303
    assert logged_in_as(again) == "ada"
    replay = site.browser()
    replay.post("/login", data={"username": "ada", "password": PASSWORD})
    assert replay.post("/login/two-factor", data={"code": code}).status_code == 400
    assert logged_in_as(replay) is None


def test_two_factor_is_recommended_to_moderators_and_turned_off_with_the_password(site):
    mod = site.user("mod", role="moderator")
    client = site.browser(mod)
    assert "Recommended for moderators" in client.get("/settings").get_data(as_text=True)
    setup_two_factor(site, client)
    assert client.post("/settings/two-factor/disable", data={"password": "wrong"}).status_code == 400
    assert client.post("/settings/two-factor/disable", data={"password": PASSWORD}).status_code == 303
    with site.context() as session:
        assert session.get(User, mod.id).totp_secret is None
        assert session.scalar(select(RecoveryCode)) is None
    site.browser(mod)  # the password alone logs in again
