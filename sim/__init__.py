"""redloop.sim."""
