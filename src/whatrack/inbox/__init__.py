"""inbox domain."""
