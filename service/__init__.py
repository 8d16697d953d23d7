"""cpkg: a validated knowledge graph and SPARQL service on child-protection accountability."""

__version__ = "0.1.0"
