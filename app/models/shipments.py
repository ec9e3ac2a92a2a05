"""Shipments and receipts recorded through the web UI."""
