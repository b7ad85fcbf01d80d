"""The benchmark: a generator of synthetic incidents and the command that times the dashboard."""
