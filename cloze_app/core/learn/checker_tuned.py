"""Checker thresholds chosen on BLiMP dev by ``scripts/tune_checker.py``."""

# See docs/checker-tuning.md for the rates these give.

# Sensitivity presets, quietest first; the first is the chosen setting and the default. Each is
# the best setting whose false alarms stay within its budget; the rates were measured on the
# tune split: hit_rate = the bad word of a pair flagged, false_alarms_per_word = words of
# correct sentences flagged.
DEFAULT_PRESET = "Careful"
PRESETS: tuple[dict[str, str | float], ...] = (
    {
        "name": "Careful",
        "max_false_alarms": 0.05,
        "keep_rank": 3,
        "margin": 8.0,
        "min_alternative_log_prob": -1.0,
        "margin_per_piece": 12.0,
        "hit_rate": 0.1007,
        "good_word_rate": 0.0391,
        "false_alarms_per_word": 0.0425,
    },
    {
        "name": "Balanced",
        "max_false_alarms": 0.1,
        "keep_rank": 10,
        "margin": 10.0,
        "min_alternative_log_prob": float("-inf"),
        "margin_per_piece": 6.0,
        "hit_rate": 0.2012,
        "good_word_rate": 0.0879,
        "false_alarms_per_word": 0.0964,
    },
    {
        "name": "Eager",
        "max_false_alarms": 0.2,
        "keep_rank": 3,
        "margin": 8.0,
        "min_alternative_log_prob": float("-inf"),
        "margin_per_piece": 4.0,
        "hit_rate": 0.3828,
        "good_word_rate": 0.2017,
        "false_alarms_per_word": 0.197,
    },
)
