"""calendar capability."""
