"""The event bus: Kafka in production, an in-process log with the same contract embedded."""
