"""``/settings``: one page of sections, each a template partial with its own form and POST route.

The page (``templates/accounts/settings.html``) includes each section's partial. Another
package adds a section by shipping its partial where the page includes it, handling its own
POST in its own blueprint, and giving the partial what it needs with
:func:`register_section_context` from its ``init_app``.
"""
from collections.abc import Callable

from flask import (Blueprint, Flask, abort, current_app, flash, jsonify, make_response,
                   render_template, request, session, url_for)
from flask_login import current_user, login_required, logout_user

from forum.accounts import addresses, export, services, sessions, tokens, twofactor
from forum.accounts.forms import BioForm, CodeForm, PasswordCheckForm, EmailForm, PasswordForm, TokenForm
from forum.errors import Refused
from forum.forms import ConfirmForm
from forum.web import first_error, see_other

bp = Blueprint("settings", __name__, url_prefix="/settings")
CONTEXT_KEY = "forum.settings_context"


def register_section_context(app: Flask, provider: Callable[[object], dict]) -> None:
    """``provider(member)`` gives the template context a settings section's partial needs."""
    app.extensions.setdefault(CONTEXT_KEY, []).append(provider)


@bp.before_request
@login_required
def members_only():
    """Every settings page and form is the logged-in member's own."""


def render_settings(status: int = 200, **state):
    """The settings page; ``state`` carries a section's refused form and its error, or what is
    shown once (a new API token, recovery codes)."""
    user = current_user._get_current_object()
    context = {
        "email_form": EmailForm(formdata=None), "bio_form": BioForm(formdata=None, bio=user.bio),
        "token_form": TokenForm(formdata=None), "code_form": CodeForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "account_sessions": sessions.live_sessions(user),
        "current_session_id": sessions.current_session_id(),
        "api_tokens": tokens.live(user),
        "recovery_codes_left": twofactor.recovery_codes_left(user) if user.has_two_factor else 0,
    }
    if (secret := session.get("totp_setup")) and not user.has_two_factor:
        uri = twofactor.provisioning_uri(user, secret)
        context.update(totp_setup_secret=secret, totp_setup_qr=twofactor.qr_svg(uri))
    for provider in current_app.extensions.get(CONTEXT_KEY, []):
        context.update(provider(user))
    context.update(state)
    return render_template("accounts/settings.html", **context), status


def require_confirm_form() -> None:
    """A button's form (its CSRF token and nothing else), or a 400."""
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")


def done(message: str, section: str):
    flash(message, "success")
    return see_other(url_for("settings.index", _anchor="settings-" + section))


@bp.get("")
def index():
    return render_settings()


@bp.post("/bio")
def bio():
    form = BioForm()
    if "bio" not in request.form:  # an empty bio clears it; a form without the field is wrong
        return render_settings(400, bio_error="The form has no bio field; please try again.")
    if not form.validate_on_submit():
        return render_settings(400, bio_form=form, bio_error=first_error(form))
    try:
        services.set_bio(current_user, form.bio.data)
    except Refused as refused:
        return render_settings(refused.status, bio_form=form, bio_error=refused.message)
    return done("Your bio is saved.", "bio")


@bp.post("/email")
def email():
    form = EmailForm()
    if not form.validate_on_submit():
        return render_settings(400, email_form=form, email_error=first_error(form))
    try:
        addresses.request_change(current_user, form.password.data, form.email.data)
    except Refused as refused:
        return render_settings(refused.status, email_form=form, email_error=refused.message)
    return done(f"We sent a link to {form.email.data.strip().lower()}. Your address changes once "
                "you open it; until then it stays as it is.", "email")


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    if request.method == "GET":
        return render_template("accounts/password.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/password.html", form=form, error=first_error(form)), 400
    try:
        ended = services.change_password(current_user, form.current_password.data,
                                         form.new_password.data)
    except Refused as refused:
        return render_template("accounts/password.html", form=form, error=refused.message), refused.status
    others = f" {ended} other {'session' if ended == 1 else 'sessions'} ended." if ended else ""
    return done("Your password is changed." + others, "sessions")


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id):
    require_confirm_form()
    if not sessions.end_one(current_user, session_id):
        abort(404, "You have no such session.")
    if session_id == sessions.current_session_id():
        logout_user()
        return see_other(url_for("threads.index"))
    return done("That session is ended.", "sessions")


@bp.post("/sessions/end-others")
def end_other_sessions():
    require_confirm_form()
    ended = sessions.log_out_everywhere_else(current_user)
    return done(f"Logged out everywhere else ({ended} {'session' if ended == 1 else 'sessions'}).",
                "sessions")


@bp.post("/tokens")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return render_settings(400, token_form=form, token_error=first_error(form))
    try:
        token, plain = tokens.create(current_user, form.name.data)
    except Refused as refused:
        return render_settings(refused.status, token_form=form, token_error=refused.message)
    # Shown on this page only: it is stored hashed and cannot be shown again.
    return render_settings(201, new_token=plain, new_token_name=token.name)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id):
    require_confirm_form()
    try:
        tokens.revoke(current_user, token_id)
    except Refused as refused:
        abort(refused.status, refused.message)
    return done("The token is revoked: programs using it can no longer sign in.", "api-tokens")


@bp.post("/two-factor/setup")
def two_factor_setup():
    require_confirm_form()
    if current_user.has_two_factor:
        abort(409, "Two-factor login is on already.")
    session["totp_setup"] = twofactor.new_secret()
    return see_other(url_for("settings.index", _anchor="settings-two-factor"))


@bp.post("/two-factor/enable")
def two_factor_enable():
    form = CodeForm()
    secret = session.get("totp_setup")
    if not form.validate_on_submit():
        return render_settings(400, code_form=form, two_factor_error=first_error(form))
    if current_user.has_two_factor or not secret:
        return render_settings(400, two_factor_error="The setup has expired; please start again.")
    try:
        codes = twofactor.enable(current_user, secret, form.code.data)
    except Refused as refused:
        return render_settings(refused.status, code_form=form, two_factor_error=refused.message)
    session.pop("totp_setup", None)
    return render_settings(recovery_codes=codes)


@bp.post("/two-factor/disable")
def two_factor_disable():
    form = PasswordCheckForm()
    if not form.validate_on_submit():
        return render_settings(400, two_factor_error=first_error(form))
    if not services.check_password(current_user, form.password.data):
        return render_settings(400, two_factor_error="That password is not right.")
    twofactor.disable(current_user)
    return done("Two-factor login is off.", "two-factor")


@bp.get("/export")
def export_data():
    response = make_response(jsonify(export.export(current_user)))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{current_user.username}-export.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    form = PasswordCheckForm()
    if request.method == "GET":
        return render_template("accounts/delete.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/delete.html", form=form, error=first_error(form)), 400
    try:
        services.delete_account(current_user, form.password.data)
    except Refused as refused:
        return render_template("accounts/delete.html", form=form, error=refused.message), refused.status
    logout_user()
    flash("Your account is deleted. Your posts stay in their threads under “deleted member”.",
          "success")
    return see_other(url_for("threads.index"))
