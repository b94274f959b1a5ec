"""The coaching engine: pure, synchronous, deterministic. No I/O, no clock, no platforms."""
