"""Sources yield SourceDocuments; each module reads one format."""
