"""Forms every capability uses."""
from flask_wtf import FlaskForm
from wtforms import IntegerField

from forum.web import parse_number


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: buttons that act (delete, mark, follow)."""


class NumberField(IntegerField):
    """A whole number typed in a form, read by :func:`forum.web.parse_number` like every
    number a client sends (``int()`` alone takes "٣", " 3 " and "1_0")."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        self.data = parse_number(valuelist[0])
        if self.data is None:
            raise ValueError(f"“{valuelist[0][:20]}” is not a whole number.")
