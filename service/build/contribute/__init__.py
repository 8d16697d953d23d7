"""Growing the graph: register a source text (`cpkg source add`), anchor quotes in it
(`cpkg quote`) and start new resources from their shapes (`cpkg new`); docs/contributing.md."""
