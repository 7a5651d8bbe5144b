"""Use cases (report, answer, decide, done, submit, approve, update, tick), transport-neutral."""
