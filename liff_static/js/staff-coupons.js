// The owner's coupon screen: the shop's coupons (templates), a form for a new one (its template_id
// made here, so a retried request saves one), and today's counter poster: the server signs the
// day's code and draws its QR (the URL that opens the card LIFF app with ?claim=<code>), which the
// owner prints. Clerks see a notice instead.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { requestId } from "./liff-app.js";
import { onSubmit, showFieldProblem } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.coupons;
const state = { templateId: null };

/** The shop's coupon templates (the member view's "クーポンを渡す" offers them too); null on failure. */
export async function couponTemplates() {
  const result = await staffApi("/liff/api/staff/coupon-templates");
  return result.ok ? result.payload.templates : null;
}

function templateItem(template) {
  const item = element("li", { class: "template", "data-template-id": template.template_id });
  item.append(element("p", { class: "coupon-title" }, template.title));
  const facts = [template.discount_text, T.validDays(template.valid_days)];
  if (template.points_cost) facts.push(T.pointsCost(template.points_cost));
  item.append(element("p", { class: "coupon-note" }, facts.filter(Boolean).join(" ・ ")));
  if (template.description) item.append(element("p", { class: "coupon-description" }, template.description));
  const button = element("button", { type: "button", class: "poster-button", "aria-label": T.posterLabel(template.title) }, T.showPoster);
  button.addEventListener("click", () => showPoster(template).catch(() => say("coupons-problem", STAFF_TEXTS.failed)));
  item.append(button);
  return item;
}

async function showPoster(template) {
  say("coupons-problem", "");
  const path = `/liff/api/staff/coupon-templates/${encodeURIComponent(template.template_id)}/poster-code`;
  const result = await staffApi(path);
  if (!result.ok) return say("coupons-problem", staffProblemText(result));
  const poster = result.payload;
  document.getElementById("poster-title").textContent = template.title;
  const qr = document.getElementById("poster-qr");
  if (poster.qr_svg) {
    // The SVG is the API's own drawing of the claim URL (qrcode's path image), not user input.
    const svg = new DOMParser().parseFromString(poster.qr_svg, "image/svg+xml").documentElement;
    svg.setAttribute("aria-hidden", "true");
    qr.replaceChildren(document.importNode(svg, true));
    qr.setAttribute("aria-label", T.posterQrLabel(template.title));
    qr.hidden = false;
    document.getElementById("poster-code").textContent = "";
  } else {
    qr.replaceChildren();
    qr.hidden = true;
    document.getElementById("poster-code").textContent = `${T.posterNoUrl} ${poster.code}`;
  }
  document.getElementById("poster-valid").textContent = T.posterValid(poster.valid_on, poster.valid_until);
  const section = document.getElementById("poster");
  section.hidden = false;
  section.scrollIntoView({ block: "start" });
}

async function drawTemplates() {
  const templates = await couponTemplates();
  const list = document.getElementById("templates");
  if (templates === null) return say("coupons-problem", STAFF_TEXTS.failed);
  list.replaceChildren(...(templates.length ? templates.map(templateItem) : [element("li", { class: "empty" }, T.none)]));
}

/** The form's template, or null with each problem under its field. */
function templateBody(form) {
  const value = (name) => form.elements[name].value.trim();
  const whole = (text) => (/^\d+$/.test(text) ? Number(text) : NaN);
  const validDays = whole(value("valid_days") || "30");
  const pointsCost = value("points_cost") ? whole(value("points_cost")) : null;
  const checks = [
    showFieldProblem("template-title", value("title") ? "" : T.problems.titleRequired),
    showFieldProblem("template-image", !value("image_url") || value("image_url").startsWith("https://") ? "" : T.problems.imageUrl),
    showFieldProblem("template-valid-days", validDays >= 1 && validDays <= 3650 ? "" : T.problems.validDays),
    showFieldProblem("template-points-cost", pointsCost === null || pointsCost >= 1 ? "" : T.problems.pointsCost),
  ];
  if (!checks.every(Boolean)) return null;
  return {
    template_id: state.templateId,
    title: value("title"),
    description: value("description"),
    discount_text: value("discount_text"),
    image_url: value("image_url") || null,
    valid_days: validDays,
    points_cost: pointsCost,
  };
}

async function createTemplate(form) {
  say("coupons-problem", "");
  say("coupons-message", "");
  const body = templateBody(form);
  if (!body) return say("coupons-problem", STAFF_TEXTS.invalid);
  // Patient: the same template_id again is the same template.
  const result = await staffApi("/liff/api/staff/coupon-templates", { method: "POST", body, patient: true });
  if (!result.ok) return say("coupons-problem", staffProblemText(result));
  form.reset();
  state.templateId = requestId();
  say("coupons-message", T.created(result.payload.title));
  await drawTemplates();
}

/** The #coupons screen, fetched afresh each time it opens. */
export async function openCoupons() {
  const owner = isOwner();
  document.getElementById("coupons-owner-only").hidden = owner;
  document.getElementById("coupons-owner").hidden = !owner;
  if (!owner) return;
  say("coupons-message", "");
  say("coupons-problem", "");
  document.getElementById("poster").hidden = true;
  await drawTemplates();
}

export function setUpCoupons() {
  state.templateId = requestId();
  const form = document.getElementById("template-form");
  onSubmit(form, () => createTemplate(form), { onError: () => say("coupons-problem", STAFF_TEXTS.failed) });
  document.getElementById("poster-print").addEventListener("click", () => window.print());
}
