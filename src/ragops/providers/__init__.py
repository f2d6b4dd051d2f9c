"""Model providers behind small Protocols, picked by config kind."""
