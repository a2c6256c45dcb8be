"""Photos: hostile bytes in, a stored original and thumbnail out, the upload routes, and
the upkeep of stored objects no row refers to."""
