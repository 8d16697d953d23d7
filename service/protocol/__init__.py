"""The SPARQL 1.1 Protocol: request parsing, content negotiation, federation policy,
serializers. Errors are in service/errors.py (one hierarchy, each with its HTTP status)."""

from service.protocol.conneg import Offers, negotiate, parse_accept
from service.protocol.federation import check_federation, service_iris
from service.protocol.request import SparqlRequest, parse_request

__all__ = [
    "Offers",
    "SparqlRequest",
    "check_federation",
    "negotiate",
    "parse_accept",
    "parse_request",
    "service_iris",
]
