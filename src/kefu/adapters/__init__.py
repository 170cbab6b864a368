"""Adapters to outside systems the services reach through ports (`services/ports.py`)."""
