"""Reaching the learners: messages (invitation, nudge, last call, thanks) and Kursbloggen, the course's closed blog."""
