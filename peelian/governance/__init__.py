"""Governance: who may do what, and a tamper-evident record of everything they did."""
