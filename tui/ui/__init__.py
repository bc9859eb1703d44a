"""The terminal UI: a thin Textual layer over tui.core (run with ``lictree [PATH]``)."""
