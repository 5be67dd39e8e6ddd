"""Hanke API gateway: one authenticated REST API for the city's intranet front ends, and the
composed views (situational picture, pilot overview, my page, interim evaluation)."""

SERVICE = "gateway"
__version__ = "0.1.0"
