"""Event views, split by use case: registration (organizers) and public (everyone)."""
