"""Hanke budget service: Funding plan, budget versions, cost ledger, flat rates and payment claims of externally funded projects."""

SERVICE = "budget"
__version__ = "0.1.0"
