"""Forms of the recovery journeys: shape checks and French messages only; rules live in flows."""
