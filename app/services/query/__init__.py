"""The EPCIS 2.0 SimpleEventQuery over the stored events: parameter parsing, running, paging, listings."""

from app.services.query.model import Query, QueryPage
from app.services.query.params import MAX_PER_PAGE, parse_query
from app.services.query.resources import distinct_values, event_with_error_declarations, has_value
from app.services.query.run import run_query
from app.services.query.tokens import DEFAULT_TOKEN_KEY

__all__ = [
    "DEFAULT_TOKEN_KEY",
    "MAX_PER_PAGE",
    "Query",
    "QueryPage",
    "distinct_values",
    "event_with_error_declarations",
    "has_value",
    "parse_query",
    "run_query",
]
