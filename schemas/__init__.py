"""marshmallow schemas, one module per domain of engagement/ (recognition, ideas, profiles, awards,
trust, notifications, directory, ledger, demo), ``events`` for the event contract and ``common``
for what they share. The views declare them (flask-smorest): they validate what comes in, shape
what goes out, and the OpenAPI document is made from them."""
