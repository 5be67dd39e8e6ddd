"""People, org units and sectors from HR: the scoped data layer (:mod:`.repository`) and routes."""
