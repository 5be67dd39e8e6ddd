"""Establishment (vakiinnuttaminen): a practice from pilots and where it now lives."""
