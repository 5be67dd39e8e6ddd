"""ESR participant data (ESR-osallistujatiedot): participations, snapshots, sensitive flags, indicators."""
