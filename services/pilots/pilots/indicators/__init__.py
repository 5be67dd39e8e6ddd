"""Indicators (mittarit) of a pilot, their measurements, progress and traffic lights."""
