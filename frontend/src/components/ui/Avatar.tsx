import { initials } from "../../lib/phone";

const COLORS = ["#00a884", "#53bdeb", "#7f66ff", "#ff7a59", "#e5a50a", "#25a244", "#d6456b", "#0094b3"];

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

export function Avatar({ name, seed, size = 48 }: { name: string; seed?: string; size?: number }) {
  const bg = COLORS[hash(seed ?? name) % COLORS.length];
  return (
    <span className="avatar" style={{ width: size, height: size, background: bg, fontSize: size * 0.38 }} aria-hidden>
      {initials(name)}
    </span>
  );
}
