import EmojiPicker, { EmojiStyle, SuggestionMode, type PickerLabels } from "emoji-picker-react";
import { useEffect, useRef } from "react";
import { useLang, useT } from "../../i18n/i18n";
import "./emojiPicker.css";

// Loaded with this chunk only (the composer lazy-loads the panel): Portuguese names and keywords
// (English is built in), so "coração" or "risada" find their emoji.
const loadPt = () => import("emoji-picker-react/data/emojis-pt");

interface Props {
  onPick: (emoji: string) => void;
  onClose: () => void;
}

/** The composer's emoji picker: native glyphs, recent emoji first, closes on Esc or a click outside. */
export default function EmojiPanel({ onPick, onClose }: Props) {
  const t = useT();
  const [lang] = useLang();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const target = e.target as Node;
      if (ref.current && !ref.current.contains(target) && !(target instanceof Element && target.closest("[data-testid=emoji-button]"))) onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) onClose();
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [onClose]);

  const labels: Partial<PickerLabels> = {
    searchPlaceholder: t("emoji.search"),
    searchLabel: t("emoji.search"),
    searchClear: t("emoji.clear"),
    searchResultsNone: t("emoji.none"),
    searchResultsOne: t("emoji.one"),
    searchResultsMany: t("emoji.many"),
    categoryNavigation: t("emoji.categories"),
    loading: t("common.loading"),
    loadingError: t("emoji.loadError"),
    retryLoading: t("emoji.retry"),
    skinToneNeutral: t("emoji.skinNeutral"),
    skinToneLight: t("emoji.skinLight"),
    skinToneMediumLight: t("emoji.skinMediumLight"),
    skinToneMedium: t("emoji.skinMedium"),
    skinToneMediumDark: t("emoji.skinMediumDark"),
    skinToneDark: t("emoji.skinDark"),
  };

  return (
    <div className="emoji-panel" ref={ref} data-testid="emoji-panel" role="dialog" aria-label={t("emoji.open")}>
      <EmojiPicker
        emojiData={lang === "pt-BR" ? loadPt : undefined}
        emojiStyle={EmojiStyle.NATIVE}
        suggestedEmojisMode={SuggestionMode.RECENT}
        labels={labels}
        previewConfig={{ showPreview: false }}
        width={340}
        height={380}
        lazyLoadEmojis
        onEmojiClick={(data) => onPick(data.emoji)}
      />
    </div>
  );
}
