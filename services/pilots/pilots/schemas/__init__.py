"""API models of the pilots service (never table models)."""
