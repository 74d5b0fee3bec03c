"""Peelian: an open, self-hosted policing intelligence platform."""

__version__ = "0.1.0"
