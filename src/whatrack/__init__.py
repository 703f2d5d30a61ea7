"""Whatrack Chat: a WhatsApp team inbox for sales leads."""

__version__ = "0.1.0"
