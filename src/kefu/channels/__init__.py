"""Channel adapters: each turns a protocol's messages into InboundMessage and one service
call, and implements the outbound port of its protocol. A channel imports neither the
store, the web layer nor another channel (scripts/check_imports.py)."""
