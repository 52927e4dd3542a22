"""The ceiling of the HTTP benchmark: a bare Flask route under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Bonjour"
