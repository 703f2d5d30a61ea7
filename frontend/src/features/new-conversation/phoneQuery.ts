// Does a search query look like a phone number? Then the list offers "Conversar com +55 …".
import { formatPhone } from "../../lib/phone";

const PHONE_CHARS = /^[\d\s()+.-]+$/;

/** The number to offer for a query (display form), or null when it is not a phone number.
 * National Brazilian numbers (10-11 digits) get +55, as the server parses them. */
export function phoneFromQuery(q: string): string | null {
  const text = q.trim();
  if (!PHONE_CHARS.test(text)) return null;
  let digits = text.replace(/\D/g, "");
  if (digits.startsWith("00")) digits = digits.slice(2);
  if (digits.length < 10 || digits.length > 15) return null;
  if (!text.startsWith("+") && !text.startsWith("00") && (digits.length === 10 || digits.length === 11)) {
    digits = `55${digits}`;
  }
  return formatPhone(digits);
}
