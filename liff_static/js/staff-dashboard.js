// The dashboard: friends added, blocks and registrations per day (SVG bar charts), totals,
// birthdays this month, the month's message quota, and the recent campaigns.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { showStatus, staffProblemText } from "./status.js";
import { staffApi } from "./staff-session.js";
import { dailyBarChart, quotaMeter } from "./svg-charts.js";
import { funnelList, loadFunnel } from "./staff-funnel.js";

const T = STAFF_TEXTS.dashboard;
const DAYS = 30;
const SERIES = [
  { key: "friends_added", title: T.friendsAdded, color: "#06c755" },
  { key: "blocks", title: T.blocks, color: "#b3261e" },
  { key: "registrations", title: T.registrations, color: "#2f6b4f" },
];

function tile(list, term, value, key) {
  const box = element("div", { class: "tile" });
  box.append(element("dt", {}, term), element("dd", { "data-total": key }, value));
  list.append(box);
}

function dailyChart(series, days) {
  const values = days.map((day) => ({ date: day.date, value: day[series.key] }));
  const total = values.reduce((sum, day) => sum + day.value, 0);
  const figure = element("figure", { class: "chart", "data-series": series.key });
  const caption = element("figcaption");
  caption.append(element("span", {}, series.title), element("span", { class: "chart-total" }, STAFF_TEXTS.count(total)));
  figure.append(caption, dailyBarChart({ label: T.chartLabel(series.title, total, days.length), days: values, color: series.color }));
  return figure;
}

function campaignItem(campaign) {
  const item = element("li", { class: "recent-campaign" });
  const status = STAFF_TEXTS.progress.status[campaign.status] || campaign.status;
  item.append(
    element("span", { class: "result-name" }, campaign.name),
    element("span", { class: "result-meta" }, `${status} ・ ${T.campaignLine(campaign)}`),
  );
  // The funnel below each (its own request: the dashboard does not wait for it).
  loadFunnel(campaign.campaign_id).then((funnel) => funnel && item.append(funnelList(funnel)));
  return item;
}

/** The #dashboard screen, fetched afresh each time it opens. */
export async function openDashboard() {
  const result = await staffApi(`/liff/api/staff/dashboard?days=${DAYS}`);
  if (!result.ok) return showStatus(staffProblemText(result));
  const board = result.payload;
  const totals = document.getElementById("dashboard-totals");
  totals.replaceChildren();
  tile(totals, T.friends, STAFF_TEXTS.count(board.totals.friends), "friends");
  tile(totals, T.members, STAFF_TEXTS.count(board.totals.members), "members");
  tile(totals, T.blocked, STAFF_TEXTS.count(board.totals.blocked), "blocked");
  tile(totals, T.birthdays, STAFF_TEXTS.count(board.birthdays_this_month), "birthdays");

  const quotaChart = document.getElementById("quota-chart");
  if (board.quota) {
    const { used, limit, remaining } = board.quota;
    quotaChart.replaceChildren(quotaMeter({ label: T.quotaLabel(used, limit), used, limit }));
    document.getElementById("quota-text").textContent = `${T.quotaUsed(used)} ・ ${T.quotaRemaining(remaining)}`;
  } else {
    quotaChart.replaceChildren();
    document.getElementById("quota-text").textContent = T.quotaUnavailable;
  }
  const wait = document.getElementById("quota-wait");
  wait.hidden = !board.scenario_quota_wait;
  wait.textContent = board.scenario_quota_wait ? T.scenarioQuotaWait(new Date(board.scenario_quota_wait.since)) : "";

  const charts = document.getElementById("daily-charts");
  charts.replaceChildren(element("h3", {}, `${T.perDay}(${T.days(board.days.length)})`));
  for (const series of SERIES) charts.append(dailyChart(series, board.days));

  const recent = document.getElementById("recent-campaigns");
  const campaigns = board.recent_campaigns;
  recent.replaceChildren(...(campaigns.length ? campaigns.map(campaignItem) : [element("li", { class: "empty" }, T.noCampaigns)]));
}
