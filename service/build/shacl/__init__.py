"""SHACL validation that gives pySHACL's report, fast enough for a million triples.

pySHACL stays the reference: its ShapesGraph reads the shapes and its constraint component
objects decide value-local constraints and write every result, so messages, paths, values and
the report are its own. What changes is where the work runs. The data sits in a pyoxigraph
store (data.py keeps literals as written); focus and value nodes come from one query per target
and per path over the whole node set (engine.py), constraints with an exact SPARQL test first
narrow the focus nodes to those that can fail (prefilter.py), nested shapes are evaluated once
over the distinct value nodes (nested.py), and each SPARQL constraint runs once under LATERAL
(sparql.py), with correlated EXISTS rewritten to joins pyoxigraph plans well (rewrite.py).
Shapes using features it does not implement are validated by pySHACL itself (fallback.py).

`cpkg build` keeps an index of the validated graph (index.py); `cpkg validate` re-checks only
the focus nodes a contribution's triples can reach (deps.py, affected.py, incremental.py).
Entry points: api.check_files, validator.validate_store, project.check_contribution.
"""
