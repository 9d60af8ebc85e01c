"""The yardstick: Flask's hello world, served by the same gunicorn settings as the forum."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
