"""Stores: the ``Store`` interface and result types (``base``), the embedded pyoxigraph store
(``embedded``), remote SPARQL 1.1 stores (``remote``), the configured one (``configured``) and
loading the built dataset into a remote store (``push``). Everything reads through the executor
(service/query/executor.py)."""
