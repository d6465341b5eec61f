"""redloop.agents."""
