from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import NumberField

BODY_HELP = "Markdown: **bold**, _italic_, [links](https://example.org), `code`, fenced code blocks, tables."


class ThreadForm(FlaskForm):
    category = SelectField("Category", validators=[DataRequired("Choose a category for the thread.")],
                           validate_choice=True)
    title = StringField("Title", validators=[DataRequired("The thread needs a title."),
                                             Length(max=200, message="A title holds at most 200 characters.")])
    body = TextAreaField("Opening post", validators=[DataRequired("Write something first: the text is empty.")],
                         description=BODY_HELP)
    tags = StringField("Tags", validators=[Optional(), Length(max=250)],
                       description="Comma-separated, e.g. moderation, trust")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write something first: the text is empty.")],
                         description=BODY_HELP)


class EditForm(FlaskForm):
    body = TextAreaField("Text of the post", validators=[DataRequired("Write something first: the text is empty.")],
                         description=BODY_HELP)
    version = NumberField(widget=HiddenField.widget, validators=[Optional()])


class ThreadEditForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("The thread needs a title."),
                                             Length(max=200, message="A title holds at most 200 characters.")])
    tags = StringField("Tags", validators=[Optional(), Length(max=250)],
                       description="Comma-separated, e.g. moderation, trust")
