import { useQuery } from "@tanstack/react-query";
import { keys } from "../api/keys";
import type { TypingState } from "./applyEvent";

/** Live typing state of a conversation, written by applyEvent. */
export function useTyping(conversationId: string | null | undefined): TypingState | null {
  const { data } = useQuery({
    queryKey: keys.typing(conversationId ?? ""),
    queryFn: () => null as TypingState | null,
    initialData: null,
    enabled: false,
    staleTime: Infinity,
  });
  return conversationId ? (data ?? null) : null;
}
