"""Documents from the document model: HTML (Jinja2), PDF (Typst), DOCX (python-docx), JSON; and
the choice of format and language from the request (:mod:`negotiate`)."""
