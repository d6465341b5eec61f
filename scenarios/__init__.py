"""redloop.scenarios."""
