"""The cost ledger (kustannuskirjanpito): entries, their summary, period locks, imports and exports."""
