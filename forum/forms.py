"""Forms every capability uses."""
from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: buttons that act (delete, mark, follow)."""
