"""Hanke pilot tracker: Multi-sector service pilots (kokeilut) from idea to established practice: stages, indicators, measurements, establishment."""

SERVICE = "pilots"
__version__ = "0.1.0"
