import { Fragment, type ReactNode } from "react";
import { parseWhatsApp, type RichNode } from "../../lib/whatsappFormat";

function render(nodes: RichNode[], prefix: string): ReactNode[] {
  return nodes.map((n, i) => {
    const key = `${prefix}${i}`;
    switch (n.type) {
      case "text":
        return <Fragment key={key}>{n.text}</Fragment>;
      case "link":
        return (
          <a key={key} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
            {n.text}
          </a>
        );
      case "code":
        return <code key={key}>{n.text}</code>;
      case "bold":
        return <strong key={key}>{render(n.children, key + ".")}</strong>;
      case "italic":
        return <em key={key}>{render(n.children, key + ".")}</em>;
      case "strike":
        return <s key={key}>{render(n.children, key + ".")}</s>;
    }
  });
}

/** WhatsApp-formatted text rendered as React elements (escaped by React, never raw HTML). */
export function RichText({ text }: { text: string }) {
  return <>{render(parseWhatsApp(text), "")}</>;
}
