"""Projects (hanke): their funding plan in force, implementers and the cost model."""
