"""What an attacker's review found in cross-linking: an XML-RPC call over the size limit gets
a fault, Webmention status pages have unguessable ids and tell the source only accepted /
verified / rejected, and expected failures are logged as one line."""
import logging
import xmlrpc.client

import pytest

from forum import jobs
from forum.links.jobs import TryAgain


def test_an_xmlrpc_call_over_the_size_limit_is_answered_with_a_fault(app, client):
    body = xmlrpc.client.dumps(("x" * app.config["MAX_CONTENT_LENGTH"], "y"), "pingback.ping")
    response = client.post("/xmlrpc", data=body, content_type="text/xml")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.data)
    assert caught.value.faultCode == -32600 and "larger than" in caught.value.faultString


def test_other_oversized_requests_are_still_a_413_page(app, client):
    response = client.post("/webmention", data={"source": "x" * 300_000, "target": "y"})
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_webmention_status_ids_cannot_be_guessed_or_forged(client):
    for token in ["1", "2147483648", "MQ.forged", "x" * 5000, "%00"]:
        assert client.get(f"/webmention/{token}").status_code in (400, 404), token


def fails_expectedly():
    raise TryAgain("cannot resolve nowhere.example: Name or service not known")


def test_an_expected_job_failure_is_one_log_line_with_its_cause(app, caplog):
    with caplog.at_level(logging.WARNING, logger="forum.jobs"):
        jobs.enqueue(fails_expectedly)
        jobs.drain(app)
    records = [r for r in caplog.records if "fails_expectedly" in r.getMessage()]
    assert len(records) == 1
    assert "cannot resolve nowhere.example" in records[0].getMessage()
    assert records[0].exc_info is None
