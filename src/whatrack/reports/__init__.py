"""Manager reports: response metrics kept per ticket, attribution, agents, leads."""
