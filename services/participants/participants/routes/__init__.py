"""HTTP routes of the participants service."""
