"""runner capability."""
