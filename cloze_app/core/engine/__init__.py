"""The engine: tokenization, one ONNX session factory, decoding of blanks."""
