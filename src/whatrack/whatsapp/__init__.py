"""WhatsApp through WuzAPI: webhook signature check, payload parsing into typed events, client."""
