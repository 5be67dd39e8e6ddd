"""Competence meters and maturity models: frameworks as data, rounds that close, answers, and
aggregates under statistical disclosure control (:mod:`participants.disclosure`)."""
