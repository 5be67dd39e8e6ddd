"""The reports service's routers (no SQL here: queries live in the domain modules)."""
