import { QueryClient } from "@tanstack/react-query";
import type { Conversation, Instance, Me, ServerMessage } from "../api/types";

export function makeMessage(over: Partial<ServerMessage> = {}): ServerMessage {
  return {
    id: "m1",
    conversationId: "c1",
    ticketId: "t1",
    senderType: "LEAD",
    senderId: null,
    senderName: "João",
    messageType: "TEXT",
    content: "Olá",
    media: null,
    status: "DELIVERED",
    externalId: null,
    clientId: null,
    replyTo: null,
    error: null,
    edited: false,
    deleted: false,
    note: false,
    reactions: [],
    metadata: {},
    sentAt: "2024-03-12T12:00:00Z",
    createdAt: "2024-03-12T12:00:00Z",
    ...over,
  };
}

export function makeConversation(over: Partial<Conversation> = {}): Conversation {
  return {
    id: "c1",
    instanceId: "i1",
    lead: { id: "l1", name: "João", pushName: null, phone: "5511999999999" },
    ticketStatus: "OPEN",
    priority: "none",
    snoozedUntil: null,
    currentTicketId: "t1",
    unreadCount: 0,
    lastMessageAt: "2024-03-12T12:00:00Z",
    lastMessagePreview: "Olá",
    lastMessageType: "TEXT",
    lastMessageReaction: null,
    lastMessageSenderType: "LEAD",
    lastMessageStatus: null,
    waitingSince: null,
    ticketSource: "whatsapp",
    assignee: null,
    createdAt: "2024-03-01T12:00:00Z",
    ...over,
  };
}

export function makeInstance(over: Partial<Instance> = {}): Instance {
  return {
    id: "i1",
    name: "Vendas",
    phone: "5511999990000",
    status: "connected",
    isDemo: false,
    historyDays: 0,
    wuzapiHistory: true,
    webhookUrl: "http://app.example.com/api/v1/whatsapp/w/webhook/i1?secret=s",
    createdAt: "2024-03-01T12:00:00Z",
    ...over,
  };
}

export const me: Me = {
  user: { id: "u1", email: "ana@example.com", name: "Ana" },
  organization: {
    id: "o1",
    name: "Acme",
    timezone: "America/Sao_Paulo",
    inactivityTimeoutMinutes: 60,
    agentVisibility: "all",
    waitingWarnMinutes: 10,
    waitingAlertMinutes: 30,
    responseTimeClock: "wall",
    businessHours: { mon: [["09:00", "18:00"]], tue: [["09:00", "18:00"]], wed: [["09:00", "18:00"]], thu: [["09:00", "18:00"]], fri: [["09:00", "18:00"]], sat: [], sun: [] },
  },
  role: "admin",
  csrfToken: "csrf-1",
  mustChangePassword: false,
  maxUploadBytes: 64 * 1024 * 1024 - 64 * 1024,
};

export function newQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } });
}
