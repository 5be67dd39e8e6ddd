"""Pilots (kokeilut): the core record, its scoped queries, and the caller's relation to it."""
