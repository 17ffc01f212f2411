"""The coordinator's panel: buttons in a notebook for the week's work (release, sync, messages)."""
