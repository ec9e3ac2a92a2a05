"""Validation internals: bundled schemas, XML and JSON drivers, and the rules the schemas miss.

The public entry point is `epcis.validate`.
"""
