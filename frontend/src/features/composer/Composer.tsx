import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ClipboardEvent, type KeyboardEvent } from "react";
import { useMe } from "../../api/auth";
import { postTyping } from "../../api/conversations";
import { postNote } from "../../api/notes";
import type { Conversation, Message } from "../../api/types";
import { Icon } from "../../components/ui/Icon";
import { RichText } from "../../components/ui/RichText";
import { useLang, useT } from "../../i18n/i18n";
import { formatFileSize } from "../../lib/time";
import { typeLabel } from "../chat/MessageContent";
import { quoteAuthor } from "../chat/quoteAuthor";
import { leadDisplayName } from "../../lib/phone";
import { createTypingNotifier } from "./typingNotifier";
import { insertAtCaret } from "./insertText";
import { useObjectUrl } from "./useObjectUrl";
import { useDraft } from "./useDraft";
import { useSend } from "./useSend";
import { useSuggestions, type ComposerMode } from "./Suggestions";
import { showToast } from "../../components/ui/toast";
import { errorMessage } from "../../lib/errors";
import { ScheduleButton } from "../followups/ScheduleButton";
import { ScheduledStrip } from "../followups/ScheduledStrip";

const VoiceRecorder = lazy(() => import("./VoiceRecorder"));
const EmojiPanel = lazy(() => import("./EmojiPanel"));

interface Props {
  conversation: Conversation;
  replyTo: Message | null;
  onClearReply: () => void;
  file: File | null;
  onFileChange: (f: File | null) => void;
}

export function Composer({ conversation: c, replyTo, onClearReply, file, onFileChange }: Props) {
  const t = useT();
  const [lang] = useLang();
  const [draft, setDraft] = useDraft(c.id);
  const send = useSend();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const preview = useObjectUrl(file && file.type.startsWith("image/") ? file : null);
  const notifier = useMemo(() => createTypingNotifier((isTyping) => void postTyping(c.id, isTyping)), [c.id]);
  const qc = useQueryClient();
  const { data: me } = useMe();
  const [mode, setMode] = useState<ComposerMode>("message");
  const [recording, setRecording] = useState(false);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const [mentions, setMentions] = useState<{ userId: string; name: string }[]>([]);
  const suggest = useSuggestions({
    mode,
    draft,
    setDraft,
    inputRef,
    leadName: c.lead.name || c.lead.pushName || null,
    agentName: me?.user.name ?? "",
    meId: me?.user.id ?? "",
    onMention: (m) => setMentions((list) => [...list.filter((x) => x.userId !== m.userId), m]),
  });

  useEffect(() => () => notifier.stop(), [notifier]);
  useEffect(() => {
    inputRef.current?.focus();
  }, [c.id, replyTo]);

  // An emoji goes where the caret is (replacing a selection) and the caret follows it.
  const insertEmoji = (emoji: string) => {
    const el = inputRef.current;
    const next = insertAtCaret(draft, el?.selectionStart ?? null, el?.selectionEnd ?? null, emoji);
    setDraft(next.value);
    if (mode === "message") notifier.input();
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(next.caret, next.caret);
    });
  };

  const submitNote = () => {
    const text = draft.trim();
    if (!text) return;
    const named = mentions.filter((m) => text.includes(`@${m.name}`)).map((m) => m.userId);
    postNote(qc, c.id, { content: text, mentions: named, clientId: crypto.randomUUID() }).catch((err: unknown) => {
      setDraft(text);
      showToast(`${t("note.failed")} ${errorMessage(err, t)}`);
    });
    setDraft("");
    setMentions([]);
    inputRef.current?.focus();
  };

  const submit = () => {
    if (mode === "note") return submitNote();
    const text = draft.trim();
    if (!text && !file) return;
    send({ conversationId: c.id, content: text, replyTo, file });
    notifier.stop();
    setDraft("");
    onClearReply();
    onFileChange(null);
    inputRef.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggest.onKeyDown(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape" && replyTo) {
      e.preventDefault();
      onClearReply();
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const pasted = [...e.clipboardData.files].find((f) => f.type.startsWith("image/"));
    if (pasted) {
      e.preventDefault();
      onFileChange(pasted);
    }
  };

  const lines = Math.min(6, Math.max(1, draft.split("\n").length));
  return (
    <footer className={`composer${mode === "note" ? " composer-note" : ""}`} data-testid="composer" data-mode={mode}>
      <ScheduledStrip conversation={c} />
      <div className="composer-modes" role="tablist">
        <button role="tab" aria-selected={mode === "message"} className={mode === "message" ? "active" : undefined} onClick={() => setMode("message")} data-testid="mode-message">
          {t("note.modeMessage")}
        </button>
        <button role="tab" aria-selected={mode === "note"} className={mode === "note" ? "active" : undefined} onClick={() => setMode("note")} data-testid="mode-note">
          {t("note.modeNote")}
        </button>
      </div>
      {suggest.popup}
      {c.ticketStatus === "RESOLVED" && <div className="composer-hint">{t("composer.resolvedHint")}</div>}
      {replyTo && (
        <div className="composer-reply" data-testid="composer-reply">
          <div className="quote">
            <div className="quote-author">{t("composer.replyingTo", { name: quoteAuthor(replyTo, me?.user.id ?? "", leadDisplayName(c.lead), t) })}</div>
            <div className="quote-text">{replyTo.content ? <RichText text={replyTo.content} /> : typeLabel(replyTo.messageType, t)}</div>
          </div>
          <button className="icon-btn" onClick={onClearReply} aria-label={t("composer.cancelReply")}>
            <Icon name="close" size={18} />
          </button>
        </div>
      )}
      {file && (
        <div className="composer-file" data-testid="composer-file">
          {preview ? <img src={preview} alt="" /> : <Icon name="doc" size={28} />}
          <span className="doc-name">{file.name}</span>
          <span className="doc-size">{formatFileSize(file.size, lang)}</span>
          <button className="icon-btn" onClick={() => onFileChange(null)} aria-label={t("composer.removeFile")}>
            <Icon name="close" size={18} />
          </button>
        </div>
      )}
      {recording ? (
        <div className="composer-row">
          <Suspense fallback={<span className="hint">{t("common.loading")}</span>}>
            <VoiceRecorder
              onClose={() => setRecording(false)}
              onSend={(voice) => {
                send({ conversationId: c.id, content: "", replyTo, file: voice });
                setRecording(false);
                onClearReply();
              }}
            />
          </Suspense>
        </div>
      ) : (
      <div className="composer-row">
        {emojiOpen && (
          <Suspense fallback={null}>
            <EmojiPanel onPick={insertEmoji} onClose={() => setEmojiOpen(false)} />
          </Suspense>
        )}
        <button className="icon-btn" onClick={() => setEmojiOpen((o) => !o)} aria-label={t("emoji.open")} title={t("emoji.open")} aria-expanded={emojiOpen} data-testid="emoji-button">
          <Icon name="emoji" />
        </button>
        <button className="icon-btn" hidden={mode === "note"} onClick={() => fileRef.current?.click()} aria-label={t("composer.attach")} title={t("composer.attach")} data-testid="attach-button">
          <Icon name="attach" />
        </button>
        <input
          ref={fileRef}
          type="file"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) onFileChange(f);
            e.target.value = "";
          }}
        />
        <textarea
          ref={inputRef}
          className="composer-input"
          rows={lines}
          placeholder={mode === "note" ? t("note.placeholder") : t("composer.placeholder")}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            suggest.track(e.target);
            if (e.target.value) notifier.input();
            else notifier.stop();
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onSelect={(e) => suggest.track(e.currentTarget)}
          aria-label={mode === "note" ? t("note.placeholder") : t("composer.placeholder")}
          data-testid="composer-input"
        />
        {mode === "message" && draft.trim() && !file && (
          <ScheduleButton conversationId={c.id} draft={draft} onScheduled={() => setDraft("")} />
        )}
        {mode === "message" && !draft.trim() && !file ? (
          <button className="send-btn" onClick={() => setRecording(true)} aria-label={t("voice.record")} title={t("voice.record")} data-testid="voice-record">
            <Icon name="mic" />
          </button>
        ) : (
        <button className="send-btn" onClick={submit} disabled={!draft.trim() && (!file || mode === "note")} aria-label={t("composer.send")} title={t("composer.send")} data-testid="send-button">
          <Icon name="send" />
        </button>
        )}
      </div>
      )}
    </footer>
  );
}
