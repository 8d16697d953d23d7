"""cpkg: a validated knowledge graph and SPARQL service on police child-protection accountability."""

__version__ = "0.1.0"
