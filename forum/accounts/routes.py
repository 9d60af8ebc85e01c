"""Registering, signing in and out, and the member's profile page."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.accounts import queries, services
from forum.accounts.forms import LoginForm, RegisterForm
from forum.extensions import db, login_manager
from forum.forms import ConfirmForm
from forum.errors import Refused
from forum.web import first_error, page_number, safe_next, see_other

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to do that."


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(services.User, int(user_id)) if user_id.isdigit() else None


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if request.method == "GET":
        return render_template("accounts/register.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form, error=first_error(form)), 400
    try:
        user = services.create_user(form.username.data, form.email.data, form.password.data)
    except Refused as refused:
        return render_template("accounts/register.html", form=form, error=refused.message), 400
    login_user(user)
    return see_other(url_for("threads.index"))


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
    login_user(user, remember=True)
    return see_other(safe_next(next_url) or url_for("threads.index"))


@bp.post("/logout")
@login_required
def logout():
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")
    logout_user()
    return see_other(url_for("threads.index"))


@bp.get("/u/<username>")
def profile(username):
    user = services.find_user(username) or abort(404, "There is no such member.")
    viewer_id = current_user.id if current_user.is_authenticated else None
    return render_template("accounts/profile.html", user=user,
                           **queries.profile(user, page_number(), viewer_id))
