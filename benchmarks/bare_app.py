"""The ceiling for our HTTP services: a minimal Flask app that parses the JSON body and answers 202.

Served by the same gunicorn config as the real services (`gunicorn -c deploy/gunicorn.conf.py
benchmarks.bare_app:app`); any POST path is accepted so the same wrk scripts can hit it.
"""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="pass")


@app.post("/<path:_path>")
def accept(_path: str):
    body = request.get_json()
    return jsonify(status="received", keys=len(body) if isinstance(body, dict) else 0), 202
