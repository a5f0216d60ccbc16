// Member search: a number, a name or kana fragment, the last 4 digits of a phone, or #tag. Each hit
// links to the member's screen; owners can tick hits and flag them together (js/staff-bulk-flags.js).
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit } from "./form-submission.js";
import { say, staffProblemText } from "./status.js";
import { staffApi } from "./staff-session.js";
import { resetSelection, selectionBox, setUpBulkFlags } from "./staff-bulk-flags.js";

const T = STAFF_TEXTS.search;
const M = STAFF_TEXTS.member;

function resultItem(member) {
  const name = member.name || member.display_name || M.status.guest;
  const link = element("a", { href: `#member/${encodeURIComponent(member.user_id)}`, class: "result" });
  link.append(
    element("span", { class: "result-name" }, name),
    // A friend who never opened their card has no number yet: say so, never 「会員番号 null」.
    element("span", { class: "result-no" }, member.member_no ? `${M.memberNo} ${member.member_no}` : M.noMemberNo),
    element("span", { class: "result-meta" }, [member.rank, M.pointsValue(member.points), ...member.tags.map((t) => `#${t}`)].filter(Boolean).join(" ")),
  );
  const item = element("li", { "data-user-id": member.user_id });
  const box = selectionBox(member, name);
  if (box) {
    item.classList.add("selectable");
    item.append(box);
  }
  item.append(link);
  return item;
}

async function search(query) {
  const results = document.getElementById("search-results");
  say("search-summary", T.searching);
  results.replaceChildren();
  say("bulk-message", "");
  resetSelection(0);
  const result = await staffApi(`/liff/api/staff/members?q=${encodeURIComponent(query)}`);
  if (!result.ok) return say("search-summary", staffProblemText(result));
  const members = result.payload.members;
  say("search-summary", members.length ? T.found(members.length) : T.none);
  results.replaceChildren(...members.map(resultItem));
  resetSelection(members.length);
}

export function setUpSearch() {
  setUpBulkFlags();
  const form = document.getElementById("search-form");
  onSubmit(
    form,
    async () => {
      const query = form.elements.q.value.trim();
      if (query) await search(query);
    },
    { onError: () => say("search-summary", STAFF_TEXTS.failed) },
  );
}
