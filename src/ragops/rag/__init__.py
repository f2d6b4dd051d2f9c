"""The query pipeline: retrieval, fusion, context assembly, generation, citations."""
