// A campaign's funnel (GET /staff/campaigns/<id>/funnel): planned, delivered, opened (LINE's count),
// clicked, visited within 7 days, coupon used, and blocked within 7 days, each as a bar relative to
// the planned recipients (plain CSS widths, no chart library).
import { ROUTE_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { staffApi } from "./staff-session.js";

const T = ROUTE_TEXTS.funnel;

function shown(value, missing) {
  if (value === null || value === undefined) return { text: missing, count: 0 };
  return { text: T.people(value), count: value };
}

/** The funnel as a list of labelled bars. */
export function funnelList(funnel) {
  const rows = [
    ["planned", T.planned, shown(funnel.planned)],
    ["delivered", T.delivered, shown(funnel.delivered)],
    ["opened", T.opened, funnel.opened_fewer_than_20 ? { text: T.fewerThan20, count: 0 } : shown(funnel.opened, T.notCounted)],
    ["clicked", T.clicked, shown(funnel.clicked, T.noLinks)],
    ["visited", T.visited, shown(funnel.visited_within_7_days)],
    ["coupon_used", T.couponUsed, shown(funnel.coupon_used, T.noCoupon)],
    ["blocked", T.blocked, shown(funnel.blocked_within_7_days)],
  ];
  const list = element("dl", { class: "funnel", "data-campaign-id": funnel.campaign_id });
  for (const [key, term, value] of rows) {
    const width = funnel.planned ? Math.round((100 * value.count) / funnel.planned) : 0;
    const bar = element("span", { class: "funnel-bar", "aria-hidden": "true" });
    bar.style.width = `${Math.min(100, width)}%`;
    const detail = element("dd", { "data-funnel": key });
    detail.append(element("span", { class: "funnel-value" }, value.text), bar);
    list.append(element("dt", {}, term), detail);
  }
  return list;
}

/** The campaign's funnel, or null when it cannot be read now. */
export async function loadFunnel(campaignId) {
  const result = await staffApi(`/liff/api/staff/campaigns/${encodeURIComponent(campaignId)}/funnel`);
  return result.ok ? result.payload : null;
}
