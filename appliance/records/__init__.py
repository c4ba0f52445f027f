"""What happened: call history in SQLite and the statistics computed from it."""
