"""Real-time delivery: typed events, the Publisher protocol and its two implementations."""
