"""Charts of the document model drawn with matplotlib (SVG for HTML and PDF, PNG for DOCX)."""

from reports.charts.render import render

__all__ = ["render"]
