"""The document model of a report: sections of blocks (narrative, key figures, charts each with its
table, notices), built from a snapshot in one language. Every renderer (HTML, PDF, DOCX, JSON)
draws the same model, so the formats cannot disagree."""
