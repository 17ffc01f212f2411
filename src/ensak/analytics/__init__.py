"""What analysts and the coordinator read: the gradebook as tidy DataFrames, the numbers, the report."""
