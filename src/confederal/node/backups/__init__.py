"""Backups of a whole node: its database, its key, and the verifier's pins (``confederal backup`` / ``restore``)."""
