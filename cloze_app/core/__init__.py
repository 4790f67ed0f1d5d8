"""The engine: models, tokenization, inference, scoring. Never imports Qt."""
