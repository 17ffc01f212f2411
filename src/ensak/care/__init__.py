"""Taking care of a course and its people: backup, restore and forgetting a learner (GDPR)."""
