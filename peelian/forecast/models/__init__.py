"""Forecasting models, one module per family."""
