import { useEffect, useMemo } from "react";

/** A blob: URL for `file` while it is set (revoked when it changes or on unmount); null without one. */
export function useObjectUrl(file: Blob | null): string | null {
  // jsdom (tests) has no URL.createObjectURL.
  const url = useMemo(() => (file && typeof URL.createObjectURL === "function" ? URL.createObjectURL(file) : null), [file]);
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  return url;
}
