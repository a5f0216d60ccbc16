// An A/B test's results (GET /staff/campaigns/<id>/ab) on the composer's result screen: each
// variant's sent, clicks and visits, its rate by the test's metric with the 95% interval, the leader,
// and whether its lead is significant (「差があるとは言えません」 when not); in winner mode, the
// variant the rest received. 「結果を更新」 reads them again (clicks and visits come in later).
import { AB_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { staffApi } from "./staff-session.js";

const T = AB_TEXTS;

function percent(rate) {
  return `${(100 * rate).toFixed(1)}%`;
}

function variantItem(result, variant, metric) {
  const item = element("li", { class: "ab-variant", "data-variant": String(variant.variant) });
  const label = T.variant(variant.variant);
  const heading = element("p", { class: "ab-variant-name" }, label);
  if (result.leader === variant.variant && variant.sent > 0) {
    heading.append(" ", element("span", { class: "badge" }, T.leader));
  }
  const counts = [T.sent(variant.sent)];
  if (variant.clicked !== null && variant.clicked !== undefined) counts.push(T.clicked(variant.clicked));
  counts.push(T.visited(variant.visited));
  item.append(
    heading,
    element("p", { class: "ab-counts" }, counts.join(" ・ ")),
    element("p", { class: "ab-rate" }, T.rate(T.metric[metric], percent(variant.rate), percent(variant.low), percent(variant.high))),
  );
  return item;
}

function resultBlock(campaignId, result, alsoRefresh) {
  const block = element("section", { class: "ab-results", "aria-labelledby": "ab-results-heading" });
  block.append(element("h4", { id: "ab-results-heading" }, T.resultsHeading));
  const list = element("ul", { class: "plain-list ab-variants" });
  for (const variant of result.variants) list.append(variantItem(result, variant, result.metric));
  const verdict = result.significant && result.leader !== null ? T.significant(T.variant(result.leader)) : T.notSignificant;
  block.append(list, element("p", { class: "notice ab-verdict", role: "status" }, verdict));
  if (result.mode === "winner") {
    const rest = result.winner !== null && result.winner !== undefined ? T.sentToRest(T.variant(result.winner)) : T.waitingForWinner;
    block.append(element("p", { class: "notice ab-rest" }, rest));
  }
  const refresh = element("button", { type: "button", class: "ab-refresh" }, T.refresh);
  refresh.addEventListener("click", () => {
    alsoRefresh();
    showAbResults(campaignId, block.parentElement, alsoRefresh);
  });
  block.append(refresh);
  return block;
}

/**
 * Read the A/B test's results and show them at the end of `container` (replacing earlier ones);
 * `alsoRefresh()` runs when the owner asks for the results again (the funnel beside them).
 */
export async function showAbResults(campaignId, container, alsoRefresh = () => {}) {
  const answer = await staffApi(`/liff/api/staff/campaigns/${encodeURIComponent(campaignId)}/ab`);
  const block = answer.ok
    ? resultBlock(campaignId, answer.payload, alsoRefresh)
    : element("p", { class: "problem ab-results", role: "alert" }, T.noResults);
  const old = container.querySelector(".ab-results");
  if (old) old.replaceWith(block);
  else container.append(block);
}
