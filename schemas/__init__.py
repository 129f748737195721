"""marshmallow schemas: the event contract and the API's request and response bodies."""
