"""Salon: a static-site generator for essays with moderated reader comments."""

__version__ = "0.1.0"
