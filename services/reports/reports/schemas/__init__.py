"""API models of the reports service (request bodies are validated with bounds; never table models)."""
