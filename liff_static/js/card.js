// card.html: the member card. Opening it issues the number in guest-card-first shops; in
// registration-first shops an unregistered customer is sent to the form. The QR carries a signed
// token that the page replaces every 30 seconds, so a screenshot of it soon stops working. Below the
// card: points, rank and coupons, what points buy (js/card-rewards.js), and the counter poster's
// coupon when the page was opened with ?claim=<code>. The rich menu's 「クーポン」 opens it with
// ?view=coupons: the page then scrolls to the coupons.
import { TEXTS } from "./texts.js";
import { applyTheme, callApi, callApiPatiently, loadSiteConfig, startLiff } from "./liff-app.js";
import { problemText, say, showPageProblem, showStatus } from "./status.js";
import { code128Svg } from "./barcode.js";
import { element } from "./dom.js";
import { claimCodeInUrl, claimPosterCoupon, pointsExchange, withClaimCode } from "./card-rewards.js";
import { claimReceipt, receiptCodeInUrl, setUpReceiptScan } from "./card-receipts.js";
import { reportRouteEntry } from "./card-route.js";

const RETRY_TOKEN_SECONDS = 5;


function showToken(cardToken) {
  const qr = document.getElementById("qr");
  // The SVG is the API's own rendering of the token (qrcode's path image), not customer input.
  const svg = new DOMParser().parseFromString(cardToken.qr_svg, "image/svg+xml").documentElement;
  svg.setAttribute("aria-hidden", "true");
  qr.replaceChildren(document.importNode(svg, true));
  qr.dataset.token = cardToken.token;
  qr.setAttribute("aria-label", TEXTS.card.qrLabel);
}

function keepTokenFresh(config, refreshAfterSeconds) {
  setTimeout(async () => {
    let next = RETRY_TOKEN_SECONDS;
    try {
      const result = await callApi(config, "/liff/api/card/token");
      if (result.ok) {
        showToken(result.payload);
        document.getElementById("qr-note").textContent = TEXTS.card.qrNote;
        next = result.payload.refresh_after_seconds;
      } else if (result.status === 401) {
        showStatus(TEXTS.sessionExpired);
        return;
      } else {
        document.getElementById("qr-note").textContent = TEXTS.card.tokenStale;
      }
    } catch (error) {
      document.getElementById("qr-note").textContent = TEXTS.card.tokenStale;
    }
    keepTokenFresh(config, next);
  }, Math.max(1, refreshAfterSeconds) * 1000);
}

function showBenefits(card) {
  const list = document.getElementById("points-rank");
  list.replaceChildren();
  if (card.points !== null && card.points !== undefined) {
    list.append(element("dt", {}, TEXTS.card.points), element("dd", {}, TEXTS.card.pointsValue(card.points)));
  }
  if (card.rank) list.append(element("dt", {}, TEXTS.card.rank), element("dd", {}, card.rank));
  const coupons = document.getElementById("coupons");
  coupons.replaceChildren();
  for (const coupon of card.coupons) {
    const item = element("li", { class: coupon.used ? "coupon used" : "coupon", "data-coupon-id": coupon.coupon_id });
    item.append(element("p", { class: "coupon-title" }, coupon.title));
    if (coupon.description) item.append(element("p", { class: "coupon-description" }, coupon.description));
    const note = coupon.used ? TEXTS.card.couponUsed : coupon.expires_on ? TEXTS.card.couponExpires(coupon.expires_on) : "";
    if (note) item.append(element("p", { class: "coupon-note" }, note));
    if (!coupon.used) item.append(element("p", { class: "coupon-show" }, TEXTS.card.couponShowAtCounter));
    coupons.append(item);
  }
  const heading = document.getElementById("coupons-heading");
  heading.textContent = TEXTS.card.coupons;
  heading.hidden = card.coupons.length === 0;
  document.getElementById("benefits").hidden = list.children.length === 0 && card.coupons.length === 0;
}

function showLinks(card) {
  const links = document.getElementById("card-links");
  links.replaceChildren();
  if (card.can_register) {
    links.append(element("p", { class: "notice" }, TEXTS.card.guestNotice));
    links.append(element("a", { href: "register.html", class: "button primary" }, TEXTS.card.registerLink));
  } else {
    links.append(element("a", { href: "profile.html", class: "button" }, TEXTS.card.profileLink));
  }
  links.hidden = false;
}

function showCard(card) {
  applyTheme(card.theme_color);
  document.getElementById("card-shop-name").textContent = card.shop_name;
  document.getElementById("card-status").textContent =
    card.status === "guest" ? TEXTS.card.statusGuest : TEXTS.card.statusRegistered;
  document.getElementById("member-no-label").textContent = TEXTS.card.memberNo;
  document.getElementById("member-no").textContent = card.member_no;
  document.getElementById("qr-note").textContent = TEXTS.card.qrNote;
  showToken(card.card_token);
  document
    .getElementById("barcode")
    .replaceChildren(code128Svg(card.barcode.widths, TEXTS.card.barcodeLabel(card.member_no)));
  document.getElementById("barcode-text").textContent = card.barcode.text;
  showBenefits(card);
  showLinks(card);
  document.getElementById("card").hidden = false;
}

// The server's order (membership.card_coupon_order): unused first, then by expiry, then by id.
function couponOrder(a, b) {
  const key = (c) => [c.used ? 1 : 0, c.expires_on || "9999-12-31", c.coupon_id];
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/** A coupon the customer just took (claimed or exchanged) joins the card's list; points updated. */
function updateBenefits(card, { coupon = null, points = null } = {}) {
  if (coupon && !card.coupons.some((held) => held.coupon_id === coupon.coupon_id)) {
    card.coupons.push(coupon);
    card.coupons.sort(couponOrder);
  }
  if (points !== null && points !== undefined) card.points = points;
  showBenefits(card);
}

/** Opened from the rich menu's 「クーポン」 (?view=coupons): the coupons in view, even when there are none. */
function showCouponsView(card) {
  if (new URLSearchParams(window.location.search).get("view") !== "coupons") return;
  const heading = document.getElementById("coupons-heading");
  if (card.coupons.length === 0) {
    heading.hidden = false;
    document.getElementById("coupons").replaceChildren(element("li", { class: "notice" }, TEXTS.card.noCoupons));
    document.getElementById("benefits").hidden = false;
  }
  heading.setAttribute("tabindex", "-1");
  heading.scrollIntoView({ block: "start" });
  heading.focus({ preventScroll: true });
}

// register.html sends a new member here with ?registered=1: the banner shows on that one opening
// and the parameter leaves the URL, so a reload or a later visit does not repeat it.
const REGISTERED_PARAMETER = "registered";

function showRegisteredOnce() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has(REGISTERED_PARAMETER)) return;
  say("registered-banner", TEXTS.card.registeredBanner, "done");
  document.getElementById("registered-banner").hidden = false;
  url.searchParams.delete(REGISTERED_PARAMETER);
  window.history.replaceState(window.history.state, "", url);
}

async function main() {
  showStatus(TEXTS.loading);
  const config = await loadSiteConfig();
  if (!(await startLiff(config))) return;
  // Read after liff.init: a LIFF URL's query (liff.line.me/<id>?claim=…) reaches the page through it.
  const claimCode = claimCodeInUrl();
  const toRegistration = () => window.location.replace(withClaimCode("register.html", claimCode));
  await reportRouteEntry(config);
  const result = await callApiPatiently(config, "/liff/api/card", { method: "POST" });
  if (result.status === 409 && result.payload.code === "registration_required") return toRegistration();
  if (!result.ok) return showPageProblem(problemText(result, TEXTS.loadFailed));
  const card = result.payload;
  const claimed = new URLSearchParams(window.location.search).get("claimed");
  showStatus(claimed ? TEXTS.register.legacyClaimed(card.member_no) : "");
  showRegisteredOnce();
  showCard(card);
  keepTokenFresh(config, card.card_token.refresh_after_seconds);
  const exchange = pointsExchange(config, (coupon, points) => updateBenefits(card, { coupon, points }));
  if (claimCode) {
    const coupon = await claimPosterCoupon(config, claimCode, toRegistration);
    if (coupon) updateBenefits(card, { coupon });
  }
  const receiptPoints = (points) => updateBenefits(card, { points });
  setUpReceiptScan(config, receiptPoints);
  const receiptCode = receiptCodeInUrl();
  if (receiptCode) await claimReceipt(config, receiptCode, receiptPoints);
  const points = await exchange.refresh();
  // What points buy means little without the balance: show it even before the first entry.
  if (points !== null && (card.points === null || card.points === undefined)) updateBenefits(card, { points });
  showCouponsView(card);
}

main().catch((error) => {
  console.error(error);
  showPageProblem(TEXTS.loadFailed);
});
