"""The course plan: course.toml, the roster, the schedule, the course lock, the skills and course instances."""
