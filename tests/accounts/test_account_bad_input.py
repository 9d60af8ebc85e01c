"""Every account form refuses hostile input with a clear 4xx and stores nothing."""
import pytest
from sqlalchemy import func, select

from forum.accounts.models import AccountSession, ApiToken, User

FORMS = {
    "/settings/bio": ["bio"],
    "/settings/email": ["email", "password"],
    "/settings/password": ["current_password", "new_password"],
    "/settings/tokens": ["name"],
    "/settings/delete": ["password"],
    "/settings/two-factor/enable": ["code"],
    "/settings/two-factor/disable": ["password"],
    "/reset": ["email"],
    "/login": ["username", "password"],
    "/register": ["username", "email", "password"],
}
VALUES = {
    "nul": "a\x00b",
    "long": "x" * 40_000,
    "digits": "²³⁴⁵⁶⁷",
    "empty": "",
}


def state(site, user_id):
    with site.context() as session:
        user = session.get(User, user_id)
        return (user.password_hash, user.email, user.bio, user.totp_secret, user.deleted_at,
                session.scalar(select(func.count()).select_from(ApiToken)),
                session.scalar(select(func.count()).select_from(User)),
                session.scalar(select(func.count()).select_from(AccountSession)
                               .where(AccountSession.ended_at.is_(None))))


# Plain text that is fine where it goes: a bio or a token name of Unicode digits, an empty bio.
ACCEPTED = {("/settings/bio", "digits"), ("/settings/tokens", "digits"), ("/settings/bio", "empty")}


@pytest.mark.parametrize("path", sorted(FORMS))
@pytest.mark.parametrize("kind", sorted(VALUES))
def test_hostile_values_in_every_field(site, path, kind):
    if (path, kind) in ACCEPTED:
        pytest.skip("valid input there")
    ada = site.user("ada")
    client = site.browser(ada)
    before = state(site, ada.id)
    response = client.post(path, data={name: VALUES[kind] for name in FORMS[path]})
    assert 400 <= response.status_code < 500, (path, kind, response.status_code)
    assert state(site, ada.id) == before


@pytest.mark.parametrize("path", sorted(FORMS))
def test_invalid_utf8_and_missing_fields(site, path):
    ada = site.user("ada")
    client = site.browser(ada)
    before = state(site, ada.id)
    for body in (b"%ff%fe=%ff", FORMS[path][0].encode() + b"=%ff%fe"):
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert 400 <= response.status_code < 500, (path, body)
    assert 400 <= client.post(path, data={}).status_code < 500
    assert state(site, ada.id) == before


@pytest.mark.parametrize("path", ["/reset/%00", "/reset/" + "x" * 2000, "/verify/²", "/verify/" + "a" * 2000,
                                  "/settings/sessions/99999999999/end", "/settings/tokens/-1/revoke",
                                  "/settings/sessions/²/end"])
def test_hostile_paths_are_4xx(site, path):
    client = site.browser(site.user("ada"))
    assert 400 <= client.get(path).status_code < 500
    assert 400 <= client.post(path, data={"password": "a long password"}).status_code < 500
