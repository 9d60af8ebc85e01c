"""Cross-linking over HTTP: the Pingback and Webmention endpoints, their status pages,
the moderators' approve/reject buttons, and the discovery headers on thread pages."""
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from forum import jobs, permissions
from forum.errors import Refused, error_response
from forum.extensions import csrf, db
from forum.forms import ConfirmForm
from forum.links import xmlrpc
from forum.links.jobs import verify_link
from forum.links.models import Link
from forum.links.services import PingRefused, approve_link, receive_ping, reject_link
from forum.web import absolute_url, see_other

bp = Blueprint("links", __name__)
PINGBACK_METHODS = ["pingback.ping", "system.listMethods"]
DISCOVERY_ENDPOINTS = frozenset({"threads.show_thread"})


def plain(message: str, status: int, **headers) -> Response:
    return Response(message + "\n", status, mimetype="text/plain", headers=headers)


def xml(body: bytes) -> Response:
    return Response(body, 200, content_type="text/xml; charset=utf-8")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """An XML-RPC caller gets a fault it can read, not an HTML 413 page."""
    if request.endpoint == "links.pingback_endpoint":
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return xml(xmlrpc.fault_response(xmlrpc.INVALID_REQUEST,
                                         f"The call is larger than {limit:,} bytes."))
    return error_response(413)


@bp.post("/xmlrpc")
@csrf.exempt
def pingback_endpoint():
    """Pingback 1.0: ``pingback.ping(source, target)`` and ``system.listMethods``, nothing else."""
    try:
        method, params = xmlrpc.parse_call(request.get_data(cache=False))
    except xmlrpc.XmlRpcError as error:
        return xml(xmlrpc.fault_response(error.code, error.message))
    if method == "system.listMethods":
        return xml(xmlrpc.success_response(PINGBACK_METHODS))
    if method != "pingback.ping":
        return xml(xmlrpc.fault_response(xmlrpc.METHOD_NOT_FOUND, f"No method {method[:100]!r}."))
    if len(params) != 2 or not all(isinstance(p, str) for p in params):
        return xml(xmlrpc.fault_response(xmlrpc.INVALID_PARAMS,
                                         "pingback.ping takes two strings: source and target."))
    try:
        link_id, verify = receive_ping("pingback", params[0], params[1])
    except PingRefused as refused:
        db.session.rollback()
        return xml(xmlrpc.fault_response(refused.fault, refused.message))
    if verify:
        jobs.enqueue(verify_link, link_id)
    return xml(xmlrpc.success_response(
        "Thanks: the pingback will be verified and shown once a moderator approves it."))


@bp.post("/webmention")
@csrf.exempt
def webmention_endpoint():
    """W3C Webmention: 202 and a status URL, or 400 with the reason."""
    source = request.form.get("source", "")
    target = request.form.get("target", "")
    try:
        link_id, verify = receive_ping("webmention", source, target)
    except PingRefused as refused:
        db.session.rollback()
        return plain(refused.message, refused.status)
    if verify:
        jobs.enqueue(verify_link, link_id)
    status_url = absolute_url("links.webmention_status", token=status_token(link_id))
    return plain(f"Accepted: the source will be verified. Status: {status_url}", 202,
                 Location=status_url)


def _status_tokens() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="webmention-status")


def status_token(link_id: int) -> str:
    """The Webmention's status page id: signed, so nobody can walk other sources' pings."""
    return _status_tokens().dumps(link_id)


# What the source learns: whether its mention was accepted, verified or rejected, never why
# a fetch failed (that would tell how the forum's network resolves names).
PUBLIC_STATUS = {
    "verifying": ("accepted", "Accepted; the source is being verified."),
    "pending": ("verified", "Verified; waiting for a moderator."),
    "approved": ("verified", "Verified and shown on the thread."),
    "rejected": ("rejected", "Not shown."),
    "failed": ("rejected", "Not shown: the source could not be verified as linking here."),
    "removed": ("rejected", "Not shown: the source no longer links here."),
}


@bp.get("/webmention/<token>")
def webmention_status(token):
    try:
        link_id = _status_tokens().loads(token)
    except BadSignature:
        link_id = None
    link = db.session.get(Link, link_id) if isinstance(link_id, int) else None
    if link is None or link.kind == "internal":
        abort(404, "There is no such Webmention.")
    state, sentence = PUBLIC_STATUS.get(link.status, ("accepted", "Accepted."))
    return render_template("links/status.html", link=link, state=state, sentence=sentence)


def decide(link_id: int, decision):
    # Who may comes first: whether a link exists is no business of anyone else's.
    if not permissions.can_decide_link(current_user):
        abort(403, "Only moderators can approve or reject links.")
    link = db.session.get(Link, link_id) or abort(404, "There is no such link.")
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")
    try:
        decision(link, current_user)
    except Refused as refused:
        db.session.rollback()
        abort(refused.status, refused.message)
    return see_other("/mod/queue")


@bp.post("/mod/links/<int:link_id>/approve")
def approve(link_id):
    return decide(link_id, approve_link)


@bp.post("/mod/links/<int:link_id>/reject")
def reject(link_id):
    return decide(link_id, reject_link)


@bp.app_template_global("links_endpoint")
def links_endpoint(endpoint: str) -> str:
    return absolute_url(endpoint)


@bp.after_app_request
def advertise_endpoints(response: Response) -> Response:
    """Thread pages name their Pingback server and Webmention endpoint in headers too."""
    if request.endpoint in DISCOVERY_ENDPOINTS and response.status_code == 200:
        response.headers["X-Pingback"] = absolute_url("links.pingback_endpoint")
        response.headers.add("Link", f'<{absolute_url("links.webmention_endpoint")}>; rel="webmention"')
    return response
