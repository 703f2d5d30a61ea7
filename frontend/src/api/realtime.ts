import { api } from "./client";

/** POST /chat/centrifugo/token */
export function fetchConnectionToken(): Promise<{ token: string; url: string }> {
  return api<{ token: string; url: string }>("/chat/centrifugo/token", { method: "POST" });
}

/** POST /chat/centrifugo/subscription-token */
export async function fetchSubscriptionToken(channel: string): Promise<string> {
  const r = await api<{ token: string }>("/chat/centrifugo/subscription-token", { json: { channel } });
  return r.token;
}
