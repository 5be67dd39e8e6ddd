"""Hanke participants service: People from HR (SCIM 2.0 and HR exports), champions (kellokkaat), coaching, competence and maturity assessments, ESR participant data."""

SERVICE = "participants"
__version__ = "0.1.0"
