"""Recovery pages, one module per journey; ``common`` holds what they share."""
