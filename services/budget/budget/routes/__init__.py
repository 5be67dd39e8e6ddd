"""HTTP routes of the budget service."""
