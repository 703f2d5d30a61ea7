"""Bringing the past in: the legacy Whatrack import (`importer`), and recovery of messages
missed while the app was down (`recovery`)."""
