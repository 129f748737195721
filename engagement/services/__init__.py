"""Use cases: plain functions the API and the CLI call; no HTTP in here."""
