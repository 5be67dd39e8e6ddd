"""A pilot's timeline of dated progress posts."""
