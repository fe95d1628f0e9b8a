"""Finding events: the nearest-first queries, the offline place search, the map data."""
