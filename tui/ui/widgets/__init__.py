"""The UI's widgets, one a module."""
