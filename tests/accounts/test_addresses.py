"""Addresses are confirmed from the address itself: registering and changing it mail a link;
the old address stays until it is opened; no form tells whether an address has an account."""
import pytest

from forum.accounts.models import User
from tests.accounts.conftest import mailed_link
from tests.conftest import PASSWORD


def register(client, username, email):
    return client.post("/register", data={"username": username, "email": email,
                                          "password": "a long password"})


def account(site, username):
    from forum.accounts.services import find_user

    with site.context():
        user = find_user(username)
        return (user.email, user.email_confirmed_at is not None)


def test_registering_mails_a_link_that_confirms_the_address(site, smtp_server):
    client = site.browser()
    assert register(client, "grace", "Grace@Example.org").status_code == 303
    assert account(site, "grace") == (None, False)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "grace@example.org" and mail["Subject"] == "Confirm your email address"
    link = mailed_link(mail, "/verify/")
    confirmed = client.get(link)
    assert confirmed.status_code == 303
    assert "grace@example.org is your confirmed address" in client.get("/settings").get_data(as_text=True)
    assert account(site, "grace") == ("grace@example.org", True)
    again = client.get(link)  # used: changes nothing, says so
    assert again.status_code == 303 and account(site, "grace") == ("grace@example.org", True)


def test_registering_with_a_taken_address_answers_as_for_a_new_one_and_mails_its_owner(site, smtp_server):
    site.user("ada")
    fresh = register(site.browser(), "newcomer", "someone@example.org")
    taken = register(site.browser(), "mallory", "ADA@example.org")
    assert fresh.status_code == taken.status_code == 303
    assert fresh.headers["Location"] == taken.headers["Location"]
    smtp_server.wait_for(2)
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert by_address["ada@example.org"]["Subject"] == "Someone tried to use your address"
    assert "/verify/" not in by_address["ada@example.org"].get_body(("plain",)).get_content()
    assert account(site, "mallory") == (None, False)
    assert account(site, "ada") == ("ada@example.org", False)


def test_changing_the_address_keeps_the_old_one_until_the_new_one_is_confirmed(site, smtp_server):
    ada = site.user("ada")
    client = site.browser(ada)
    response = client.post("/settings/email", data={"email": "ada@new.example", "password": PASSWORD})
    assert response.status_code == 303
    assert account(site, "ada") == ("ada@example.org", False)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ada@new.example"
    assert client.get(mailed_link(mail, "/verify/")).status_code == 303
    assert account(site, "ada") == ("ada@new.example", True)
    assert client.post("/logout").status_code == 303
    assert site.browser().post("/login", data={"username": "ada@new.example",
                                                "password": PASSWORD}).status_code == 303


def test_an_older_confirmation_link_is_out_of_date_once_the_address_changed(site, smtp_server):
    ada = site.user("ada")
    client = site.browser(ada)
    client.post("/settings/email", data={"email": "first@new.example", "password": PASSWORD})
    client.post("/settings/email", data={"email": "second@new.example", "password": PASSWORD})
    first, second = (mailed_link(m, "/verify/") for m in sorted(
        smtp_server.wait_for(2), key=lambda m: m["To"]))
    assert client.get(second).status_code == 303
    stale = client.get(first)
    assert stale.status_code == 400 and "out of date" in stale.get_data(as_text=True)
    assert account(site, "ada") == ("second@new.example", True)


def test_moving_to_a_taken_address_mails_its_owner_and_changes_nothing(site, smtp_server):
    ada, _ = site.user("ada"), site.user("bob")
    client = site.browser(ada)
    response = client.post("/settings/email", data={"email": "bob@example.org", "password": PASSWORD})
    assert response.status_code == 303
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "bob@example.org" and "/verify/" not in mail.get_body(("plain",)).get_content()
    assert account(site, "ada") == ("ada@example.org", False)


@pytest.mark.parametrize("form, message", [
    ({"email": "new@example.org", "password": "wrong password"}, "password is not right"),
    ({"email": "not an address", "password": PASSWORD}, "not an email"),
    ({"email": "ada@example.org", "password": PASSWORD}, "your address already"),
    ({"password": PASSWORD}, "Enter an email"),
    ({"email": "x" * 300 + "@example.org", "password": PASSWORD}, "too long"),
])
def test_bad_address_changes_are_400_and_mail_nothing(site, smtp_server, form, message):
    ada = site.user("ada")
    response = site.browser(ada).post("/settings/email", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    site.app.extensions["forum.jobs"].drain(10)
    assert smtp_server.messages == []


def test_forged_and_unknown_confirmation_links_are_a_clear_400(site):
    client = site.browser()
    for token in ("nonsense", "a" * 501, "eyJ1IjoxLCJlIjoiYUBiLmMifQ.aaaa.bbbb"):
        response = client.get(f"/verify/{token}")
        assert response.status_code == 400 and "link" in response.get_data(as_text=True)
    with site.context() as session:
        assert session.query(User).count() == 0
