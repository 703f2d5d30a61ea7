import { lazy, Suspense, useEffect } from "react";
import { useMe } from "./api/auth";
import type { Me } from "./api/types";
import { LoginPage } from "./features/auth/LoginPage";
import { ChangePasswordPage } from "./features/team/ChangePasswordForm";
import { InboxPage } from "./features/inbox/InboxPage";
import { useMentionNotifications } from "./features/inbox/useMentionNotifications";
import { useNotifications } from "./features/inbox/useNotifications";
import { SettingsPage } from "./features/settings/SettingsPage";
import { useOutboxFlush } from "./features/composer/useSend";
import { useT } from "./i18n/i18n";
import { RealtimeProvider } from "./realtime/RealtimeProvider";
import { Link, matchPath, navigate, useLocation } from "./router";

// The reports page (and its charting library) loads only when opened.
const ReportsPage = lazy(() => import("./features/reports/ReportsPage"));
// The leads list (a CRM view), likewise.
const LeadsPage = lazy(() => import("./features/leads/LeadsPage"));

export function AppRoutes() {
  const { data: me, isPending, isError, refetch } = useMe();
  const { pathname, search } = useLocation();
  const t = useT();

  useEffect(() => {
    if (isPending || isError) return;
    if (!me && pathname !== "/login") {
      const next = pathname + (search.toString() ? `?${search}` : "");
      navigate(`/login${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`, { replace: true });
    } else if (me && (pathname === "/login" || pathname === "/")) {
      const next = search.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/inbox", { replace: true });
    }
  }, [me, isPending, isError, pathname, search]);

  if (isPending) return <div className="splash">{t("common.loading")}</div>;
  if (isError)
    return (
      <div className="splash">
        <p>{t("errors.network")}</p>
        <button className="btn" onClick={() => void refetch()}>
          {t("common.retry")}
        </button>
      </div>
    );
  if (!me) return pathname === "/login" ? <LoginPage /> : null;
  // A temporary password: every route but me/password/logout answers 403 until it is changed.
  if (me.mustChangePassword) return <ChangePasswordPage />;
  return (
    <RealtimeProvider me={me}>
      <Authed me={me} pathname={pathname} />
    </RealtimeProvider>
  );
}

function Authed({ me, pathname }: { me: Me; pathname: string }) {
  const t = useT();
  useNotifications(me.user.id);
  useMentionNotifications();
  useOutboxFlush();
  if (pathname === "/inbox") return <InboxPage me={me} instanceId={null} />;
  const m = matchPath("/inbox/instance/:instanceId", pathname);
  if (m) return <InboxPage me={me} instanceId={m.instanceId!} />;
  if (pathname === "/settings") return <SettingsPage me={me} />;
  if (pathname === "/reports")
    return (
      <Suspense fallback={<div className="splash">{t("common.loading")}</div>}>
        <ReportsPage me={me} />
      </Suspense>
    );
  if (pathname === "/leads")
    return (
      <Suspense fallback={<div className="splash">{t("common.loading")}</div>}>
        <LeadsPage />
      </Suspense>
    );
  if (pathname === "/login" || pathname === "/") return null;
  return (
    <div className="splash">
      <h1>{t("notFound.title")}</h1>
      <Link href="/inbox">{t("notFound.link")}</Link>
    </div>
  );
}
