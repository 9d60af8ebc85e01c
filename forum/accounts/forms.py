from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
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
