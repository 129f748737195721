"""The baseline for single-event ingest: a Flask endpoint that answers 202 and does nothing."""
from flask import Flask

app = Flask("bare")


@app.post("/v1/events")
def accept():
    return {"accepted": []}, 202
