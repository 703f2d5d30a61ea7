"""Quick replies: canned responses typed as `/shortcut` in the composer."""
