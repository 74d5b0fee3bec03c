"""Predictive crime mapping: risk surfaces on a grid, published baselines, and rolling backtests.

Every model offers ``forecast(history, target)``: expected crimes per cell for one period, learnt
from the periods before it alone (``models.base.Model``); ``backtest`` scores them all alike.
"""
