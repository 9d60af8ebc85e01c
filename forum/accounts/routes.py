"""Registering, signing in and out, and the member's profile page."""
import time

from flask import Blueprint, abort, flash, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from forum import pagecache
from forum.accounts import addresses, mail_links, queries, reset, services, sessions, twofactor
from forum.accounts.forms import (CodeForm, LoginForm, RegisterForm, ResetForm,
                                  ResetRequestForm)
from forum.forms import ConfirmForm
from forum.errors import Refused
from forum.web import first_error, page_number, safe_next, see_other

bp = Blueprint("accounts", __name__)

# How long the password step of a two-factor login stays good for the code step.
TWO_FACTOR_SECONDS = 300


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if request.method == "GET":
        return render_template("accounts/register.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form, error=first_error(form)), 400
    try:
        user = services.register(form.username.data, form.email.data, form.password.data)
    except Refused as refused:
        return render_template("accounts/register.html", form=form, error=refused.message), 400
    sessions.start(user)
    flash(f"Welcome! We sent a link to {form.email.data.strip().lower()}: open it to confirm "
          "your address.", "success")
    return see_other(url_for("threads.welcome"))


def after_login(next_url: str | None):
    return see_other(safe_next(next_url) or url_for("threads.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = request.args.get("next")
    if request.method == "GET":
        return render_template("accounts/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form, error=first_error(form)), 400
    user = services.authenticate(form.username.data, form.password.data)
    if user is None:
        return render_template("accounts/login.html", form=form,
                               error="That username or email and password do not match."), 400
    if user.has_two_factor:
        # The password was right; the session is started only once the code is too.
        session["two_factor"] = {"user_id": user.id, "at": int(time.time()),
                                 "next": safe_next(next_url)}
        return see_other(url_for("accounts.two_factor"))
    sessions.start(user)
    return after_login(next_url)


@bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor():
    pending = session.get("two_factor")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > TWO_FACTOR_SECONDS:
        session.pop("two_factor", None)
        if request.method == "POST":
            return render_template("accounts/login.html", form=LoginForm(),
                                   error="That took too long; please log in again."), 400
        return see_other(url_for("accounts.login"))
    form = CodeForm()
    if request.method == "GET":
        return render_template("accounts/two_factor.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/two_factor.html", form=form, error=first_error(form)), 400
    user = twofactor.verify(pending["user_id"], form.code.data)
    if user is None:
        return render_template("accounts/two_factor.html", form=form,
                               error="That code is not right, or has been used already."), 400
    session.pop("two_factor", None)
    sessions.start(user)
    return after_login(pending.get("next"))


@bp.post("/logout")
@login_required
def logout():
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")
    sessions.end_current()
    logout_user()
    return see_other(url_for("threads.index"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if request.method == "GET":
        return render_template("accounts/reset_request.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/reset_request.html", form=form,
                               error=first_error(form)), 400
    reset.request_reset(form.email.data)
    # The same page whether or not the address has an account.
    return render_template("accounts/reset_sent.html", email=form.email.data.strip().lower())


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        mail_links.reset_member(token)
    except Refused as refused:
        return render_template("accounts/link_refused.html", message=refused.message), 400
    form = ResetForm()
    if request.method == "GET":
        return render_template("accounts/reset.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/reset.html", form=form, error=first_error(form)), 400
    try:
        reset.reset_password(token, form.password.data)
    except Refused as refused:
        return render_template("accounts/link_refused.html", message=refused.message), 400
    # Not logged in here: a member with two-factor login still needs their code.
    logout_user()
    flash("Your password is changed and every session of your account has ended. "
          "Log in with your new password.", "success")
    return see_other(url_for("accounts.login"))


@bp.get("/verify/<token>")
def verify(token):
    try:
        user, already = addresses.confirm(token)
    except Refused as refused:
        return render_template("accounts/link_refused.html", message=refused.message), refused.status
    flash(f"{user.email} was confirmed already." if already
          else f"Thank you: {user.email} is your confirmed address.", "success")
    return see_other(url_for("settings.index") if current_user.is_authenticated
                     else url_for("accounts.login"))


@bp.get("/u/<username>")
@pagecache.cached_page(queries.profile_validator)
def profile(username):
    page = page_number()
    user = services.find_user(username) or abort(404, "There is no such member.")
    viewer_id = current_user.id if current_user.is_authenticated else None
    return render_template("accounts/profile.html", user=user,
                           **queries.profile(user, page, viewer_id))
