"""Running the model: scenario and experiment files, the engine for many runs, the store."""
