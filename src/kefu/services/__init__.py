"""Use cases: each function runs one of them in one unit of work."""
