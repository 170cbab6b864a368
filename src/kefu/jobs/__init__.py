"""Background work: the event bus (memory | redis) and the outbox relay loop."""
