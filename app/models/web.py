"""Web UI tables."""
