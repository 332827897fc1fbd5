"""Settings: base.py reads the environment; local, test and production layer on it."""
