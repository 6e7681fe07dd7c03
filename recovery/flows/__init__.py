"""Recovery journeys (request side), each a small state machine kept in the session."""
