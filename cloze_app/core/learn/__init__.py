"""Learning tools on top of the engine: the checker, exercises, distractors, export."""
