"""Outreach: what the course says to its learners and what they say to each other (messages, Kursbloggen)."""
