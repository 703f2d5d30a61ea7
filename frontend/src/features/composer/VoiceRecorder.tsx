// Click-to-record voice notes (lazy-loaded: not in the initial bundle). MediaRecorder records
// Opus (audio/webm in Chromium, Firefox); the server makes it the Ogg/Opus WhatsApp plays as a
// voice note. Esc cancels; stop shows a preview to send or discard.
import { useEffect, useRef, useState } from "react";
import { voiceRecordings } from "../../api/messages";
import { Icon } from "../../components/ui/Icon";
import { useT } from "../../i18n/i18n";
import { useObjectUrl } from "./useObjectUrl";

function pickMime(): string {
  if (typeof MediaRecorder === "undefined") return "";
  for (const m of ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"]) {
    if (MediaRecorder.isTypeSupported(m)) return m;
  }
  return "";
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

type State = { kind: "starting" } | { kind: "recording"; startedAt: number } | { kind: "preview"; file: File; seconds: number } | { kind: "error"; message: string };

export default function VoiceRecorder({ onSend, onClose }: { onSend: (file: File) => void; onClose: () => void }) {
  const t = useT();
  const [state, setState] = useState<State>({ kind: "starting" });
  const [now, setNow] = useState(() => Date.now());
  const recorder = useRef<MediaRecorder | null>(null);
  const cancelled = useRef(false);
  const preview = useObjectUrl(state.kind === "preview" ? state.file : null);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let alive = true;
    const chunks: Blob[] = [];
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      queueMicrotask(() => setState({ kind: "error", message: t("voice.unsupported") }));
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ audio: true })
      .then((s) => {
        stream = s;
        if (!alive) return s.getTracks().forEach((tr) => tr.stop());
        const mime = pickMime();
        const rec = new MediaRecorder(s, mime ? { mimeType: mime } : undefined);
        recorder.current = rec;
        const startedAt = Date.now();
        rec.ondataavailable = (e) => {
          if (e.data.size) chunks.push(e.data);
        };
        rec.onstop = () => {
          s.getTracks().forEach((tr) => tr.stop());
          if (cancelled.current || !alive) return;
          const type = (rec.mimeType || mime || "audio/webm").split(";")[0]!;
          const file = new File(chunks, `voice-note.${type.split("/")[1] ?? "webm"}`, { type: rec.mimeType || mime || "audio/webm" });
          voiceRecordings.add(file);
          setState({ kind: "preview", file, seconds: (Date.now() - startedAt) / 1000 });
        };
        rec.start(250);
        setState({ kind: "recording", startedAt });
      })
      .catch((err: unknown) => {
        const denied = err instanceof DOMException && (err.name === "NotAllowedError" || err.name === "SecurityError");
        setState({ kind: "error", message: t(denied ? "voice.denied" : "voice.noMicrophone") });
      });
    return () => {
      alive = false;
      cancelled.current = true;
      if (recorder.current?.state === "recording") recorder.current.stop();
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [t]);

  useEffect(() => {
    if (state.kind !== "recording") return;
    const id = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(id);
  }, [state.kind]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        cancel();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  function cancel() {
    cancelled.current = true;
    if (recorder.current?.state === "recording") recorder.current.stop();
    onClose();
  }

  const stop = () => {
    if (recorder.current?.state === "recording") recorder.current.stop();
  };

  return (
    <div className="recorder" data-testid="voice-recorder" data-state={state.kind}>
      <button className="icon-btn" onClick={cancel} aria-label={t("voice.cancel")} title={t("voice.cancel")} data-testid="voice-cancel">
        <Icon name="trash" />
      </button>
      {state.kind === "starting" && <span>{t("voice.starting")}</span>}
      {state.kind === "recording" && (
        <>
          <span className="rec-dot" aria-hidden />
          <span data-testid="voice-timer" aria-live="off">
            {formatDuration((now - state.startedAt) / 1000)}
          </span>
          <span className="hint">{t("voice.escHint")}</span>
          <button className="send-btn" onClick={stop} aria-label={t("voice.stop")} title={t("voice.stop")} data-testid="voice-stop">
            <Icon name="check" />
          </button>
        </>
      )}
      {state.kind === "preview" && (
        <>
          {preview && <audio controls src={preview} data-testid="voice-preview" />}
          <span>{formatDuration(state.seconds)}</span>
          <button className="send-btn" onClick={() => onSend(state.file)} aria-label={t("composer.send")} title={t("composer.send")} data-testid="voice-send">
            <Icon name="send" />
          </button>
        </>
      )}
      {state.kind === "error" && (
        <span role="alert" className="form-error" data-testid="voice-error">
          {state.message}
        </span>
      )}
    </div>
  );
}
