// Shapes from docs/api.md (JSON is camelCase both ways).

export type Role = "admin" | "agent";
export type TicketStatus = "OPEN" | "FOLLOW_UP" | "RESOLVED";
export type SenderType = "LEAD" | "USER" | "AI" | "SYSTEM";
export type MessageType =
  | "TEXT"
  | "IMAGE"
  | "VIDEO"
  | "AUDIO"
  | "DOCUMENT"
  | "STICKER"
  | "LOCATION"
  | "CONTACT";
export type MessageStatus = "PENDING" | "SENT" | "DELIVERED" | "READ" | "FAILED";
export type InstanceStatus = "connected" | "disconnected" | "logged_out" | "qr" | "unknown";
export type Outcome = "sale" | "lost_price" | "lost_timing" | "no_response" | "other";

export interface Organization {
  id: string;
  name: string;
  timezone: string;
  inactivityTimeoutMinutes: number;
}

export interface Me {
  user: { id: string; email: string; name: string };
  organization: Organization;
  role: Role;
  csrfToken: string;
}

export interface Member {
  id: string;
  name: string;
  email: string;
  role: Role;
}

export interface Instance {
  id: string;
  name: string;
  phone: string | null;
  status: InstanceStatus;
  isDemo: boolean;
  webhookUrl?: string | null;
  createdAt: string;
}

/** Live session state (connect, qr, status, disconnect, logout answers). */
export interface InstanceConnection {
  id: string;
  status: InstanceStatus;
  phone: string | null;
  connected: boolean;
  loggedIn: boolean;
  qrCode: string | null;
}

/** POST /instances: an existing WuzAPI user, or `createUser: true` (created through WuzAPI's admin API). */
export interface InstanceCreate {
  name: string;
  baseUrl?: string;
  token?: string;
  hmacKey?: string;
  createUser?: boolean;
  adminToken?: string;
}

export interface PairingCode {
  linkingCode: string;
}

/** `instance_updated` on the org channel. */
export interface InstanceUpdatedEvent {
  id: string;
  status: InstanceStatus;
  phone: string | null;
}

export interface LeadSummary {
  id: string;
  name: string | null;
  pushName: string | null;
  phone: string | null;
}

export interface Conversation {
  id: string;
  instanceId: string;
  lead: LeadSummary;
  ticketStatus: TicketStatus;
  currentTicketId: string | null;
  unreadCount: number;
  lastMessageAt: string | null;
  lastMessagePreview: string | null;
  lastMessageSenderType: SenderType | null;
  lastMessageStatus: MessageStatus | null;
  waitingSince: string | null;
  assignee: { id: string; name: string } | null;
  createdAt: string;
}

export interface Media {
  url: string;
  mimeType: string | null;
  fileName: string | null;
  size: number | null;
}

export interface ReplyTo {
  id: string;
  content: string | null;
  senderType: SenderType;
  messageType: MessageType;
}

export interface Reaction {
  emoji: string;
  fromMe: boolean;
}

export interface Message {
  id: string;
  conversationId: string;
  ticketId: string | null;
  senderType: SenderType;
  senderId: string | null;
  senderName: string | null;
  messageType: MessageType;
  content: string | null;
  media: Media | null;
  status: MessageStatus;
  externalId: string | null;
  clientId: string | null;
  replyTo: ReplyTo | null;
  error: string | null;
  edited: boolean;
  deleted: boolean;
  reactions: Reaction[];
  metadata: Record<string, unknown>;
  sentAt: string;
  createdAt: string;
}

export interface Ticket {
  id: string;
  number: number;
  status: TicketStatus;
  source: string | null;
  campaign: string | null;
  medium: string | null;
  adId: string | null;
  ctwaClid: string | null;
  outcome: Outcome | string | null;
  outcomeReason: string | null;
  closedBy: string | { id: string; name: string } | null;
  assignee: string | { id: string; name: string } | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface Lead {
  id: string;
  name: string | null;
  pushName: string | null;
  phone: string | null;
  notes: string | null;
  firstSource: string | null;
  firstCampaign: string | null;
  firstMedium: string | null;
  createdAt: string;
  conversationId: string | null;
  tickets: Ticket[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ConversationFilters {
  instanceId?: string | undefined;
  ticketStatus?: TicketStatus | undefined;
  unread?: boolean | undefined;
  assigned?: "me" | "unassigned" | undefined;
  q?: string | undefined;
}

export interface MessageStatusEvent {
  messageId: string;
  conversationId: string;
  status: MessageStatus;
  externalId: string | null;
  error: string | null;
}

export interface TypingEvent {
  conversationId: string;
  isTyping: boolean;
  senderType: "LEAD" | "USER";
  userId: string | null;
  userName: string | null;
}

export type ChatEvent =
  | { type: "new_message"; data: Message }
  | { type: "message_updated"; data: Message }
  | { type: "message_status"; data: MessageStatusEvent }
  | { type: "conversation_updated"; data: Conversation }
  | { type: "typing"; data: TypingEvent }
  | { type: "instance_updated"; data: InstanceUpdatedEvent };
