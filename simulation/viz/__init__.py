"""Figures, drawn with matplotlib's object API and the Agg canvas (no pyplot)."""
