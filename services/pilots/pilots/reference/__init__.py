"""Reference data: projects, administrative sectors (hallintoalat) and indicator kinds."""
