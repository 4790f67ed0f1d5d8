"""Checker thresholds chosen on BLiMP dev by ``scripts/tune_checker.py`` (see docs/checker-tuning.md).

Placeholder values until the tuning script has run with the bundled model.
"""

KEEP_RANK = 3
MARGIN = 3.0
MIN_ALTERNATIVE_LOG_PROB = -6.0
