"""Confederal: self-hosted software for federated grassroots movements."""

__version__ = "0.1.0"
