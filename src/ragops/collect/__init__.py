"""Collectors: fetch documents from outside (arXiv, the web, Git, folders) into the raw store or a collection."""
