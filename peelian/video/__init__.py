"""CCTV evidence: footage taken in unaltered with its chain of custody, and the analytics over it."""
