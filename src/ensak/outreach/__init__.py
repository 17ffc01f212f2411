"""Reaching the learners: messages (invitation, nudge, last call, thanks) and the course blog."""
