"""messages domain."""
