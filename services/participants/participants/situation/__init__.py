"""The situational picture (tilannekuva) of a project for the steering group: aggregates only."""
