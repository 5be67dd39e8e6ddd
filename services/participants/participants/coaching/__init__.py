"""Renewal support (uudistumisen tuki): coaching events, attendance, and totals under the small-group rule."""
