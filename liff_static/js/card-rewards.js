// The coupons a customer takes on their card page: points exchanged for one of the shop's rewards
// (GET/POST /liff/api/points/exchange), and the counter poster's coupon, whose QR opens the card
// with ?claim=<today's code> (POST /liff/api/coupons/claim). Either answers with the new coupon,
// which the card's list then shows. An exchange carries a client-made exchange_id, kept until it
// succeeds, so a double tap or a retry after a lost answer exchanges once.
import { TEXTS } from "./texts.js";
import { callApiPatiently, forgetUrlParameter, requestId, urlParameter } from "./liff-app.js";
import { element } from "./dom.js";
import { confirmAction } from "./confirm-dialog.js";
import { problemText, say } from "./status.js";

const T = TEXTS.card;
export const CLAIM_PARAMETER = "claim";
// Answers to an exchange that sending it again cannot change: the offer is drawn afresh.
const EXCHANGE_REFUSALS = {
  not_enough_points: T.notEnoughPoints,
  not_exchangeable: T.notExchangeable,
  template_not_found: T.notExchangeable,
};

/** The poster's code this page was opened with, or null. */
export function claimCodeInUrl() {
  return urlParameter(CLAIM_PARAMETER);
}

/** `page` with the poster's code carried along, so a claim survives the way through registration. */
export function withClaimCode(page, code) {
  return code ? `${page}?${new URLSearchParams({ [CLAIM_PARAMETER]: code })}` : page;
}

/**
 * Claim the poster's coupon once the card is open. Returns the coupon, or null with the reason on
 * screen. The code leaves the URL once the server has answered for good, so a reload claims nothing.
 * `needsRegistration` is called for a friend who is not a member yet.
 */
export async function claimPosterCoupon(config, code, needsRegistration) {
  showClaimResult(T.claiming, "pending");
  const result = await callApiPatiently(config, "/liff/api/coupons/claim", { method: "POST", body: { code } }).catch(
    () => ({ ok: false, status: 0, payload: {} }),
  );
  if (result.status === 404 && result.payload.code === "not_a_member") {
    needsRegistration();
    return null;
  }
  if (result.ok || [409, 422].includes(result.status)) forgetUrlParameter(CLAIM_PARAMETER);
  // 201: this claim gave the coupon; 200: it was theirs already (the poster scanned again, or a
  // retry whose first answer was lost): either way it is on the card.
  if (result.ok) {
    if (result.status === 201) showClaimResult(T.claimed(result.payload.title), "ok");
    else showClaimResult(T.alreadyClaimed, "done");
    return result.payload;
  }
  if (result.status === 409 && result.payload.code === "coupon_already_claimed") showClaimResult(T.alreadyClaimed, "done");
  else if (result.status === 422) showClaimResult(T.claimReasons[result.payload.reason] || T.claimReasons.malformed, "problem");
  else showClaimResult(problemText(result, T.claimFailed), "problem");
  return null;
}

/** The claim's outcome above the card: `kind` is pending, ok, done (claimed before) or problem. */
function showClaimResult(text, kind) {
  say("claim-result", text, kind);
}

function rewardItem(reward, points, exchange) {
  const item = element("li", { class: "reward", "data-template-id": reward.template_id });
  // The shop's own picture of the reward; the title says what it is, so the image is decorative.
  if (reward.image_url) item.append(element("img", { class: "reward-image", src: reward.image_url, alt: "", loading: "lazy" }));
  item.append(element("p", { class: "coupon-title" }, reward.title));
  if (reward.discount_text) item.append(element("p", { class: "reward-discount" }, reward.discount_text));
  if (reward.description) item.append(element("p", { class: "coupon-description" }, reward.description));
  const row = element("div", { class: "reward-row" });
  row.append(element("span", { class: "reward-cost" }, T.exchangeCost(reward.points_cost)));
  const short = reward.points_cost - points;
  const button = element("button", { type: "button", class: "primary reward-button", "aria-label": T.exchangeLabel(reward.title, reward.points_cost) }, T.exchange);
  button.disabled = short > 0;
  button.addEventListener("click", () => exchange(reward, button));
  row.append(button);
  item.append(row);
  if (short > 0) item.append(element("p", { class: "coupon-note" }, T.pointsShort(short)));
  return item;
}

/**
 * The card's "ポイント交換" section. `onExchanged(coupon, points)` is told of each new coupon and
 * the points left, so the card draws them.
 */
export function pointsExchange(config, onExchanged) {
  const exchangeIds = new Map(); // template id → the id of the exchange not yet answered
  let busy = false;

  async function refresh() {
    const offer = await callApiPatiently(config, "/liff/api/points/exchange").catch(() => ({ ok: false }));
    const section = document.getElementById("exchange");
    if (!offer.ok || offer.payload.templates.length === 0) {
      section.hidden = true;
      return offer.ok ? offer.payload.points : null;
    }
    const { points, templates } = offer.payload;
    document.getElementById("exchange-heading").textContent = T.exchangeHeading;
    document.getElementById("exchange-lead").textContent = T.exchangeLead;
    document.getElementById("rewards").replaceChildren(...templates.map((reward) => rewardItem(reward, points, exchange)));
    section.hidden = false;
    return points;
  }

  async function exchange(reward, button) {
    if (busy) return;
    busy = true;
    try {
      say("exchange-message", "");
      const sure = await confirmAction({
        title: T.exchangeTitle,
        lines: [T.exchangeQuestion(reward.points_cost, reward.title), T.exchangeNote],
        yes: T.exchangeYes,
        no: T.exchangeNo,
      });
      if (sure) await send(reward, button);
    } finally {
      busy = false;
    }
  }

  async function send(reward, button) {
    if (!exchangeIds.has(reward.template_id)) exchangeIds.set(reward.template_id, requestId());
    const body = { template_id: reward.template_id, exchange_id: exchangeIds.get(reward.template_id) };
    button.disabled = true;
    button.textContent = T.exchanging;
    // Patient: a busy server applied nothing, and the same exchange_id again is the same exchange.
    const result = await callApiPatiently(config, "/liff/api/points/exchange", { method: "POST", body }).catch(
      () => ({ ok: false, status: 0, payload: {} }),
    );
    if (result.ok) {
      exchangeIds.delete(reward.template_id);
      const points = await refresh();
      onExchanged(result.payload, points);
      say("exchange-message", T.exchanged(result.payload.title));
      return;
    }
    if (result.payload.code in EXCHANGE_REFUSALS) {
      exchangeIds.delete(reward.template_id);
      await refresh();
      return say("exchange-message", EXCHANGE_REFUSALS[result.payload.code]);
    }
    // The answer may have been lost after the server exchanged: the next tap sends the same id.
    button.disabled = false;
    button.textContent = T.exchange;
    say("exchange-message", problemText(result, T.exchangeFailed));
  }

  return { refresh };
}
