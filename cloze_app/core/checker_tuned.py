"""Checker thresholds chosen on BLiMP dev by ``scripts/tune_checker.py``."""

# See docs/checker-tuning.md for the rates these give.
KEEP_RANK = 10
MARGIN = 10.0
MIN_ALTERNATIVE_LOG_PROB = -1.0
