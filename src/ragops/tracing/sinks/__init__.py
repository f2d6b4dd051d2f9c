"""Where finished traces go: one module per backend, picked by `tracing.sinks` in sinks/registry.py."""
