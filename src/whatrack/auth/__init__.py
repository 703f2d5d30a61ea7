"""Organizations, users, memberships and browser sessions."""
