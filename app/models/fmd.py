"""EU FMD channel tables."""
