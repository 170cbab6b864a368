"""Shipped knowledge-base content: the starter articles (`starter/*.toml`)."""
