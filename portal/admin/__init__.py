"""admin capability."""
