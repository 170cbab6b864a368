"""Storage adapter: SQLAlchemy 2 models, repositories, the unit of work and the outbox."""
