import { useState } from "react";
import { playChime, setSoundEnabled, soundEnabled } from "../inbox/alerts";
import { useT } from "../../i18n/i18n";

/** "Som de notificação": on by default, kept per browser. */
export function SoundSwitch() {
  const t = useT();
  const [on, setOn] = useState(soundEnabled);
  return (
    <label className="sound-switch">
      <input
        type="checkbox"
        checked={on}
        onChange={(e) => {
          setSoundEnabled(e.target.checked);
          setOn(e.target.checked);
          if (e.target.checked) playChime();
        }}
        data-testid="sound-switch"
      />
      <span>{t("settings.sound")}</span>
      <span className="muted small">{t("settings.soundHint")}</span>
    </label>
  );
}
