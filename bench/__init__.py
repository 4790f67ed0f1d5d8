"""Benchmarks: Cloze int8 and fp32 against the transformers fill-mask pipeline (``python -m bench``)."""
