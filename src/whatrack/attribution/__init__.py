"""Marketing attribution: where a conversation came from (ad referrals, UTM parameters)."""
