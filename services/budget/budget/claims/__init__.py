"""Payment claims (maksatushakemus): drafted from the ledger, frozen when submitted, verified against their rows."""
