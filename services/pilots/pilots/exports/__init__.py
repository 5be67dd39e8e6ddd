"""CSV and XLSX exports: the portfolio, a pilot's record, what was learned."""
