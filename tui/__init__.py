"""lictree: a Linux kernel source tree, by license."""

__version__ = "0.1.0"
