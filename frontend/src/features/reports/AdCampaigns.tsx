import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

type Ad = components["schemas"]["AdRead"];

/** Admins name each Click-to-WhatsApp ad's campaign (applied to its past and future tickets). */
export function AdCampaigns() {
  const t = useT();
  const qc = useQueryClient();
  const ads = useQuery({ queryKey: ["reports", "ads"], queryFn: ({ signal }) => api<Ad[]>("/reports/ads", { signal }) });
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (v: { adId: string; campaign: string }) =>
      api<Ad>(`/reports/ads/${encodeURIComponent(v.adId)}/campaign`, { method: "PUT", json: { campaign: v.campaign.trim() || null } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["reports"] });
      void qc.invalidateQueries({ queryKey: ["leads"] });
    },
  });
  const list = ads.data ?? [];
  return (
    <section data-testid="ad-campaigns">
      <h2>{t("ads.title")}</h2>
      <p className="muted">{t("ads.hint")}</p>
      {save.isError && <p className="error">{errorMessage(save.error, t)}</p>}
      {save.isSuccess && <p className="muted">{t("ads.saved")}</p>}
      {ads.isSuccess && list.length === 0 && <p className="muted">{t("ads.none")}</p>}
      {list.length > 0 && (
        <table className="report-table">
          <thead>
            <tr>
              <th>{t("ads.ad")}</th>
              <th>{t("ads.headline")}</th>
              <th className="num">{t("reports.tickets")}</th>
              <th>{t("ads.campaign")}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((ad) => {
              const value = drafts[ad.adId] ?? ad.campaign ?? "";
              return (
                <tr key={ad.adId}>
                  <td>{ad.adId}</td>
                  <td>{ad.headline ?? t("common.none")}</td>
                  <td className="num">{ad.tickets}</td>
                  <td>
                    <form
                      onSubmit={(e) => {
                        e.preventDefault();
                        save.mutate({ adId: ad.adId, campaign: value });
                      }}
                    >
                      <input
                        value={value}
                        maxLength={200}
                        aria-label={t("ads.campaign")}
                        onChange={(e) => setDrafts((d) => ({ ...d, [ad.adId]: e.target.value }))}
                        data-testid="ad-campaign-input"
                      />{" "}
                      <button type="submit" className="btn btn-secondary" disabled={save.isPending}>
                        {t("common.save")}
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
