"""Recovery flows (lost identifier, lost password, self-registration) and verification codes."""
