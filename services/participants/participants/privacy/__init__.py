"""Data protection: the caller's own data, right of access, pseudonymisation, the read log."""
