"""Taking care of a course and its people: backup, restore, and a learner's GDPR requests (access, erasure)."""
