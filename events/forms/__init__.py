"""The events app's forms, one module per use case (as events.services and events.views)."""
