"""redloop.viz."""
