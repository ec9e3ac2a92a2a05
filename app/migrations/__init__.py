"""Alembic migrations of the service schema; `app.services.schema.upgrade` runs them."""
