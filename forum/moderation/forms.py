from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

REASON_LENGTH = Length(max=500, message="A reason holds at most 500 characters.")


class ReasonForm(FlaskForm):
    """Close, reopen, hide, restore: the reason is shown to members or kept in the log."""

    reason = StringField("Reason", validators=[Optional(), REASON_LENGTH])


class FlagForm(FlaskForm):
    reason = TextAreaField("What is wrong with this post?",
                           validators=[DataRequired("Say what is wrong with the post."),
                                       REASON_LENGTH])


class SuspendForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Say why you are suspending "
                                                              "this member."), REASON_LENGTH])
    abuse = BooleanField("For abuse: also reverse every point this member gave others")


class TrustForm(FlaskForm):
    """``POST /u/<name>/trust``: without ``state`` it toggles; the profile's button sends the
    state it means, so two moderators pressing "Trust" at once leave the member trusted."""

    state = StringField(default="", validators=[
        AnyOf(("", "on", "off"), message="state is on, off, or left out to toggle.")])
