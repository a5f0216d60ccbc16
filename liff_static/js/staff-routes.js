// The #routes screen (owners): inflow routes (流入経路). Each route has a URL that opens the member
// card with the route, its QR (the API's SVG; the PNG is drawn from it here), and per day its opens,
// new friends, registrations, first and second visits and blocks, as bar charts and a CSV.
import { ROUTE_TEXTS as T, TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, showStatus, staffProblemText } from "./status.js";
import { isOwner, session, staffApi } from "./staff-session.js";
import { dailyBarChart } from "./svg-charts.js";
import { fillScenarioChoices } from "./staff-scenarios.js";

const DAYS = 30;
const PNG_SIZE = 1024;
const SERIES = [
  { key: "opens", color: "#06c755" },
  { key: "new_friends", color: "#2f6b4f" },
  { key: "registrations", color: "#1a73e8" },
  { key: "first_visits", color: "#a05a00" },
  { key: "second_visits", color: "#7b3fa0" },
  { key: "blocks", color: "#b3261e" },
];

function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = element("a", { href: url, download: name, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  window.addEventListener("focus", () => URL.revokeObjectURL(url), { once: true });
}

/** The QR as a PNG: the API's SVG drawn on a canvas (no image library on the server or here). */
function savePng(svgText, name) {
  const image = new Image();
  image.onload = () => {
    const canvas = element("canvas", { width: PNG_SIZE, height: PNG_SIZE });
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, PNG_SIZE, PNG_SIZE);
    context.drawImage(image, 0, 0, PNG_SIZE, PNG_SIZE);
    canvas.toBlob((blob) => saveFile(blob, name), "image/png");
  };
  const sized = svgText.replace("<svg ", `<svg width="${PNG_SIZE}" height="${PNG_SIZE}" `);
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(sized)}`;
}

async function saveCsv(routeId, status) {
  const response = await fetch(`${session.config.apiBaseUrl}/liff/api/staff/routes/${routeId}/figures.csv?days=${DAYS}`, {
    headers: { authorization: `Bearer ${window.liff.getIDToken()}` },
  }).catch(() => null);
  if (!response || !response.ok) return say(status.id, TEXTS.loadFailed, "problem");
  saveFile(await response.blob(), `route-${routeId}.csv`);
  say(status.id, T.downloaded, "done");
}

function chart(series, days) {
  const title = T.figures[series.key];
  const values = days.map((day) => ({ date: day.day, value: day[series.key] }));
  const total = values.reduce((sum, day) => sum + day.value, 0);
  const figure = element("figure", { class: "chart", "data-series": series.key });
  const caption = element("figcaption");
  caption.append(element("span", {}, title), element("span", { class: "chart-total" }, T.total(total)));
  figure.append(caption, dailyBarChart({ label: T.chartLabel(title, total, days.length), days: values, color: series.color }));
  return figure;
}

async function showRoute(routeId) {
  const detail = document.getElementById("route-detail");
  const result = await staffApi(`/liff/api/staff/routes/${routeId}?days=${DAYS}`);
  if (!result.ok) return showStatus(staffProblemText(result));
  const { route, qr_svg: qrSvg, days } = result.payload;
  const status = element("p", { id: "route-download-status", class: "inline-status", role: "status" });
  detail.replaceChildren(element("h3", { id: "route-detail-heading" }, route.name));
  if (route.url) {
    const qr = element("figure", { class: "poster-qr", role: "img", "aria-label": T.qrLabel(route.name) });
    const svg = new DOMParser().parseFromString(qrSvg, "image/svg+xml").documentElement;
    svg.setAttribute("aria-hidden", "true");
    qr.append(document.importNode(svg, true));
    const png = element("button", { type: "button" }, T.downloadPng);
    png.addEventListener("click", () => savePng(qrSvg, `route-${route.route_id}.png`));
    const svgButton = element("button", { type: "button" }, T.downloadSvg);
    svgButton.addEventListener("click", () => saveFile(new Blob([qrSvg], { type: "image/svg+xml" }), `route-${route.route_id}.svg`));
    detail.append(
      qr,
      element("label", { for: "route-url", class: "field-label" }, T.url),
      element("input", { id: "route-url", readonly: "", value: route.url }),
      png,
      svgButton,
    );
  } else if (route.route_id !== "other") {
    detail.append(element("p", { class: "notice" }, T.noUrl));
  }
  const csv = element("button", { type: "button" }, T.downloadCsv);
  csv.addEventListener("click", () => saveCsv(route.route_id, status));
  detail.append(csv, status, element("h4", {}, T.perDay));
  for (const series of SERIES) detail.append(chart(series, days));
  detail.hidden = false;
}

function routeButton(route) {
  const button = element("button", { type: "button", class: "route-item", "data-route-id": route.route_id }, route.name);
  button.addEventListener("click", () => showRoute(route.route_id));
  const item = element("li");
  item.append(button);
  return item;
}

async function fillCouponChoices(select) {
  const result = await staffApi("/liff/api/staff/coupon-templates");
  const templates = result.ok ? result.payload.templates : [];
  select.replaceChildren(element("option", { value: "" }, T.noCoupon));
  for (const template of templates) select.append(element("option", { value: template.template_id }, template.title));
}

async function listRoutes() {
  const result = await staffApi("/liff/api/staff/routes");
  if (!result.ok) return showStatus(staffProblemText(result));
  const list = document.getElementById("route-list");
  const { routes, other } = result.payload;
  list.replaceChildren(...routes.map(routeButton), routeButton({ ...other, name: T.other }));
  document.getElementById("route-none").hidden = routes.length > 0;
}

function setUpForm() {
  const form = document.getElementById("route-form");
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  onSubmit(
    form,
    async () => {
      say("route-form-status", "");
      showFieldProblem("route-name", "");
      const name = form.elements.name.value.trim();
      if (!name) return showFieldProblem("route-name", T.nameMissing);
      const body = { name, action_timing: form.elements.timing.value };
      if (form.elements.tag.value.trim()) body.tag = form.elements.tag.value.trim();
      if (form.elements.coupon.value) body.coupon_template_id = form.elements.coupon.value;
      if (form.elements.scenario.value) body.scenario_id = form.elements.scenario.value;
      const result = await staffApi("/liff/api/staff/routes", { method: "POST", body });
      if (result.status === 409) return showFieldProblem("route-name", T.nameTaken);
      if (!result.ok) return say("route-form-status", staffProblemText(result), "problem");
      form.reset();
      say("route-form-status", T.created(result.payload.name), "done");
      await listRoutes();
      await showRoute(result.payload.route_id);
    },
    { busyText: T.creating, onError: () => say("route-form-status", TEXTS.loadFailed, "problem") },
  );
}

/** The composer's tracked links: `track_links`, the click tag and the click's scenario, when asked for. */
export function trackingOfForm() {
  if (!document.getElementById("track-links").checked) return {};
  const tag = document.getElementById("click-tag").value.trim().replace(/^[#＃]/u, "");
  const scenario = document.getElementById("click-scenario").value;
  return { track_links: true, ...(tag ? { click_tag: tag } : {}), ...(scenario ? { click_scenario_id: scenario } : {}) };
}

/** The composer's choice of a scenario a first click starts. */
export function fillClickScenarios() {
  return fillScenarioChoices(document.getElementById("click-scenario"), T.noScenario);
}

/** The screen's fixed texts (data-route-text="<key>" in staff.html). */
export function fillRouteTexts(root = document) {
  for (const node of root.querySelectorAll("[data-route-text]")) node.textContent = T[node.dataset.routeText];
}

/** The #routes screen, fetched afresh each time it opens. */
export async function openRoutes() {
  const owner = isOwner();
  document.getElementById("routes-owner-only").hidden = owner;
  document.getElementById("routes-body").hidden = !owner;
  if (!owner) return;
  setUpForm();
  document.getElementById("route-detail").hidden = true;
  await Promise.all([
    listRoutes(),
    fillCouponChoices(document.getElementById("route-coupon")),
    fillScenarioChoices(document.getElementById("route-scenario"), T.noScenario),
  ]);
}
