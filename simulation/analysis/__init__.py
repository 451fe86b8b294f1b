"""Frames in, frames out: comparisons, best settings, sensitivity, discovery (no plotting)."""
