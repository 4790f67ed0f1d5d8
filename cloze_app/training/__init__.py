"""Training, export and evaluation of the bundled model (optional extra, never imported by the app)."""
