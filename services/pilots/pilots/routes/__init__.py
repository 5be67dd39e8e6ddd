"""HTTP routes of the pilots service."""
