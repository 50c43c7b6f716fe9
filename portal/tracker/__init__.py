"""tracker capability."""
