"""Leads: the people on the other side of a 1:1 WhatsApp chat (phone numbers, JIDs, identity)."""
