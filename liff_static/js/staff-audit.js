// The owner's audit log: the latest staff actions, newest first: when, who (their LINE name when
// the shop knows it), what in Japanese (which flag was set or removed), and a link to the member it
// was done to, named by number and name.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { showStatus, staffProblemText } from "./status.js";
import { isOwner, session, staffApi } from "./staff-session.js";
import { couponTemplates } from "./staff-coupons.js";

const T = STAFF_TEXTS.audit;
const LIMIT = 50;

function who(entry) {
  if (entry.actor_user_id === session.me.user_id) return T.you;
  return entry.actor_display_name || `${entry.actor_user_id.slice(0, 9)}…`;
}

/** What the entry's detail adds, in a few words (it never holds personal data). */
function detailText(entry, couponTitles) {
  const detail = entry.detail || {};
  const coupon = couponTitles.get(detail.template_id);
  if (entry.action === "points.adjust") return T.points(detail.delta);
  if (entry.action === "flags.bulk") return T.bulk(detail);
  if (entry.action === "coupon.issue") return [coupon && `「${coupon}」`, T.issued(detail.issued)].filter(Boolean).join(" ");
  if (entry.action === "coupon_template.create") return coupon ? `「${coupon}」` : "";
  if (entry.action === "memo.add") return STAFF_TEXTS.member.memoKinds[detail.kind] || "";
  if (entry.action.startsWith("staff.") && detail.role) return STAFF_TEXTS.roles[detail.role] || detail.role;
  if (entry.action === "flags.set") return (detail.changed || []).map(T.flagChange).join("、");
  if (entry.action.startsWith("rich_menus.") && detail.menu) return STAFF_TEXTS.menuEditor.kinds[detail.menu] || "";
  return "";
}

function entryItem(entry, couponTitles) {
  const item = element("li", { class: "audit-entry", "data-action": entry.action });
  const head = element("p", { class: "audit-head" });
  head.append(
    element("span", { class: "audit-action" }, T.actions[entry.action] || entry.action),
    element("span", { class: "audit-detail" }, detailText(entry, couponTitles)),
  );
  const meta = element("p", { class: "audit-meta" }, `${STAFF_TEXTS.dateTime(entry.at)} ・ ${who(entry)}`);
  item.append(head, meta);
  // Staff actions name a staff member, who need not be a member of the shop: no member link.
  if (entry.target_user_id && !entry.action.startsWith("staff.")) {
    // The member by number and name, so the owner sees whose it was without opening each one.
    const label = entry.target_label ? T.openNamedMember(entry.target_label) : T.openMember;
    item.append(element("a", { href: `#member/${encodeURIComponent(entry.target_user_id)}`, class: "audit-target" }, label));
  }
  return item;
}

/** The #audit screen, fetched afresh each time it opens. */
export async function openAudit() {
  const list = document.getElementById("audit-entries");
  document.getElementById("audit-owner-only").hidden = isOwner();
  list.hidden = !isOwner();
  if (!isOwner()) return;
  list.replaceChildren();
  const [result, templates] = await Promise.all([staffApi(`/liff/api/staff/audit?limit=${LIMIT}`), couponTemplates()]);
  const couponTitles = new Map((templates || []).map((t) => [t.template_id, t.title]));
  if (!result.ok) return showStatus(staffProblemText(result));
  const entries = result.payload.entries;
  list.replaceChildren(...(entries.length ? entries.map((entry) => entryItem(entry, couponTitles)) : [element("li", { class: "empty" }, T.none)]));
}
