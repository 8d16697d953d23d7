"""The SPARQL 1.1 Protocol: request parsing, content negotiation, federation policy."""

from service.protocol.conneg import negotiate, parse_accept
from service.protocol.errors import NotAcceptable, ProtocolError
from service.protocol.federation import check_federation, service_iris
from service.protocol.request import SparqlRequest, parse_request, query_form

__all__ = [
    "NotAcceptable",
    "ProtocolError",
    "SparqlRequest",
    "check_federation",
    "negotiate",
    "parse_accept",
    "parse_request",
    "query_form",
    "service_iris",
]
