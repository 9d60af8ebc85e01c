from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Regexp

USERNAME_RULE = "3 to 32 letters, digits, dashes or underscores"


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[
        DataRequired("Choose a username."),
        Length(min=3, max=32, message=f"A username is {USERNAME_RULE}."),
        Regexp(r"^[A-Za-z0-9_-]+$", message=f"A username is {USERNAME_RULE}."),
    ], description=USERNAME_RULE.capitalize() + ".")
    email = EmailField("Email", validators=[
        DataRequired("Enter your email address."),
        Length(max=254, message="That email address is too long."),
        Email(message="That is not an email address.", check_deliverability=False),
    ])
    password = PasswordField("Password", validators=[
        DataRequired("Choose a password."),
        Length(min=8, max=200, message="A password is 8 to 200 characters."),
    ], description="At least 8 characters.")


class LoginForm(FlaskForm):
    username = StringField("Username or email", validators=[
        DataRequired("Enter your username or email."), Length(max=254)])
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password."), Length(max=200)])


NEW_PASSWORD = [DataRequired("Choose a new password."),
                Length(min=8, max=200, message="A password is 8 to 200 characters.")]


def email_field(label: str = "Email") -> EmailField:
    return EmailField(label, validators=[
        DataRequired("Enter an email address."),
        Length(max=254, message="That email address is too long."),
        Email(message="That is not an email address.", check_deliverability=False),
    ])


class EmailForm(FlaskForm):
    email = email_field("New email address")
    password = PasswordField("Your password", validators=[
        DataRequired("Enter your password to change your address."), Length(max=200)])


class BioForm(FlaskForm):
    bio = TextAreaField("Bio", validators=[Length(max=5000, message="A bio is at most 5000 characters.")],
                        description="Markdown, shown on your profile. At most 5000 characters.")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=200)])
    new_password = PasswordField("New password", validators=NEW_PASSWORD,
                                 description="At least 8 characters. Your other sessions end.")


class PasswordCheckForm(FlaskForm):
    """Your password again, before something that cannot be undone."""

    password = PasswordField("Your password", validators=[
        DataRequired("Enter your password."), Length(max=200)])


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[
        DataRequired("Give the token a name, such as the program that will use it."),
        Length(max=80, message="A token name is at most 80 characters.")],
        description="Such as the program that will use it.")


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[
        DataRequired("Enter the code."), Length(max=40, message="That is not a code.")],
        description="The 6 digits your authenticator app shows, or a recovery code.")


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetForm(FlaskForm):
    password = PasswordField("New password", validators=NEW_PASSWORD, description="At least 8 characters.")
