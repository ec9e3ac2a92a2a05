"""US DSCSA channel tables."""
