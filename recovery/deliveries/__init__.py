"""Worker side of the journeys: what the Celery tasks call to look accounts up and send."""
