"""Hanke reports service: the reporting calendar (payment claims, monitoring reports, the interim
evaluation, the final report) and report versions drafted from the other services over HTTP and frozen."""

SERVICE = "reports"
__version__ = "0.1.0"
