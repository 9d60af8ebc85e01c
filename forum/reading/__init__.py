"""Reading: read state and "N new", /following and its private feed, relationships."""
from flask import Flask


def init_app(app: Flask) -> None:
    from forum.reading import routes, state

    state.init_app(app)
    app.register_blueprint(routes.bp)
