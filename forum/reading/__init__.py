"""Reading: read state and "N new", /following and its private feed, relationships."""
from flask import Flask


def init_app(app: Flask) -> None:
    from forum.accounts.settings_routes import register_section_context
    from forum.reading import routes, services, state
    from forum.signals import account_deleting

    state.init_app(app)
    app.register_blueprint(routes.bp)
    # The private feed's section of /settings (templates/reading/_feed_token.html).
    register_section_context(app, lambda member: {
        "feed_created_at": services.feed_token_created(member)})
    account_deleting.connect(services.forget_member)
