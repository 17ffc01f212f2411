"""ensak: one thing at a time."""
