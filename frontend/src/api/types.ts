// The API's shapes, named for the rest of the app. They are aliases over schema.d.ts, which is
// generated from the server's OpenAPI schema (`make api-types`): never restate a field here.
// JSON is camelCase both ways.
import type { components } from "./schema";

type S = components["schemas"];

export type Role = S["Role"];
export type TicketStatus = S["TicketStatus"];
export type SenderType = S["SenderType"];
export type MessageType = S["MessageType"];
export type MessageStatus = S["MessageStatus"];
export type InstanceStatus = S["InstanceStatus"];
export type Outcome = S["TicketOutcome"];

export type Organization = S["OrganizationRead"];
export type AgentVisibility = S["AgentVisibility"];
export type Me = S["MeRead"];
export type Member = S["MemberRead"];

export type Instance = S["InstanceRead"];
/** Live session state (connect, qr, status, disconnect, logout answers). */
export type InstanceConnection = S["InstanceConnection"];
/** POST /instances: an existing WuzAPI user, or `createUser: true` (created through WuzAPI's admin API). */
export type InstanceCreate = S["InstanceCreate"];
export type PairingCode = S["PairingCode"];

export type LeadSummary = S["LeadBrief"];
export type Conversation = S["ConversationRead"];

export type Media = S["MediaRead"];
export type ReplyTo = S["ReplyRead"];
export type Reaction = S["ReactionRead"];
/**
 * A message as the app holds it: the server's, or our optimistic bubble (features/composer/sendFlow),
 * which has no ticket until the server's copy replaces it.
 */
export type Message = Omit<ServerMessage, "ticketId"> & { ticketId: string | null };
/** A message as the server sends it (HTTP answers, `new_message`, `message_updated`). */
export type ServerMessage = S["MessageRead"];

export type Ticket = S["TicketRead"];
export type Lead = S["LeadRead"];

/** Cursor pages (ConversationPage, MessagePage). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Client-side filter state of the conversation list (sent as snake_case query parameters). */
export interface ConversationFilters {
  instanceId?: string | undefined;
  ticketStatus?: TicketStatus | undefined;
  unread?: boolean | undefined;
  assigned?: "me" | "unassigned" | undefined;
  q?: string | undefined;
  /** Only the snoozed conversations ("Adiadas"); otherwise the list leaves them out. */
  snoozed?: boolean | undefined;
  priority?: Priority | undefined;
  /** "waiting": leads waiting longest first (only rows with waitingSince). */
  order?: "recent" | "waiting" | undefined;
  /** The current ticket's origin (whatsapp, meta_ads, ...): only the server can check it. */
  source?: string | undefined;
  /** The current ticket's campaign (exact): only the server can check it. */
  campaign?: string | undefined;
}

export type Priority = "none" | "low" | "medium" | "high" | "urgent";
export const PRIORITIES: readonly Priority[] = ["none", "low", "medium", "high", "urgent"];

/** Snoozed now (a snooze time that passed shows the conversation again). */
export function isSnoozed(c: { snoozedUntil?: string | null }, now: number = Date.now()): boolean {
  return !!c.snoozedUntil && Date.parse(c.snoozedUntil) > now;
}

// Real-time publications (whatrack.realtime.events, added to the schema by scripts/openapi.py).
/** `message_status` data. */
export type MessageStatusEvent = S["StatusData"];
/** `typing` data. */
export type TypingEvent = S["TypingData"];
/** `instance_updated` on the org channel. */
export type InstanceUpdatedEvent = S["InstanceData"];
export type ChatEvent = S["ChatEvent"];
