"""Frozen report versions: freezing with a race-free number (:mod:`freeze`) and the difference
between two versions (:mod:`diff`)."""
