"""Follow-up sequences and scheduled messages ("enviar depois"): the FOLLOW_UP ticket status."""
