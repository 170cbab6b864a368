"""The pure domain core: rules, policies and state machines. No I/O, no frameworks."""
