"""Cascad payments for Wagtail shops."""

__version__ = "0.1.0"
