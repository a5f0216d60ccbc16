// staff.html: the staff console. Only LINE users on the shop's staff list get past GET /staff/me;
// everyone else sees the notice and nothing more. Screens are chosen by the URL's hash:
// #counter, #talk, #talk/<user_id>, #autoreplies, #member/<user_id>, #members, #coupons, #campaign, #dashboard, #audit, #settings, #menus, #export
// and #staff (owners). Opened from an invitation link (?invite=<code>), it first offers to join the staff.
import { STAFF_TEXTS, TEXTS } from "./texts.js";
import { applyTheme, loadSiteConfig, startLiff } from "./liff-app.js";
import { problemText, showPageProblem, showStatus } from "./status.js";
import { fillTexts, session, staffApi } from "./staff-session.js";
import { setUpCounter } from "./staff-counter.js";
import { openMember, setUpMemberView } from "./staff-member-view.js";
import { setUpSearch } from "./staff-search.js";
import { openComposer, setUpComposer } from "./staff-composer.js";
import { openDashboard } from "./staff-dashboard.js";
import { openCoupons, setUpCoupons } from "./staff-coupons.js";
import { openAudit } from "./staff-audit.js";
import { openTeam, setUpTeam } from "./staff-team.js";
import { answerInvitation, invitationCodeInUrl } from "./staff-invitation.js";
import { openSettings } from "./staff-settings.js";
import { openRichMenus, setUpRichMenus } from "./staff-rich-menus.js";
import { openMenuEditor, setUpMenuEditor } from "./staff-menu-editor.js";
import { openCustomerExport } from "./staff-customer-export.js";
import { openApiKeys } from "./staff-api-keys.js";
import { openConnect, setUpConnect } from "./staff-connect.js";
import { openScenarios, setUpScenarios } from "./staff-scenarios.js";
import { openInbox, setUpInbox } from "./staff-inbox.js";
import { openAutoReplies, setUpAutoReplies } from "./staff-auto-replies.js";
import { fillRouteTexts, openRoutes } from "./staff-routes.js";

const SCREENS = [
  "counter", "member", "members", "coupons", "campaign", "dashboard", "audit", "settings", "menus", "export", "staff",
  "pos", "connect", "scenarios", "talk", "autoreplies", "routes",
];
const OPENERS = {
  coupons: openCoupons,
  campaign: openComposer,
  dashboard: openDashboard,
  audit: openAudit,
  settings: openSettings,
  menus: () => {
    openRichMenus();
    return openMenuEditor();
  },
  export: openCustomerExport,
  routes: openRoutes,
  staff: openTeam,
  pos: openApiKeys,
  connect: openConnect,
  scenarios: openScenarios,
  talk: openInbox,
  autoreplies: openAutoReplies,
};
// Screens reached from a tab's screen keep that tab selected.
const TAB_OF = {
  member: "members", audit: "dashboard", menus: "dashboard", export: "dashboard", pos: "settings", connect: "settings",
  autoreplies: "talk", routes: "dashboard",
};

function route() {
  const [screen, argument] = window.location.hash.replace(/^#/, "").split("/");
  const current = SCREENS.includes(screen) ? screen : "counter";
  for (const name of SCREENS) document.getElementById(`screen-${name}`).hidden = name !== current;
  for (const tab of document.querySelectorAll("#tabs a")) {
    const selected = tab.dataset.screen === (TAB_OF[current] || current);
    if (selected) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  showStatus("");
  if (current === "member") openMember(decodeURIComponent(argument || ""));
  else OPENERS[current]?.(decodeURIComponent(argument || ""));
}

async function main() {
  fillTexts();
  fillRouteTexts();
  showStatus(TEXTS.loading);
  session.config = await loadSiteConfig();
  if (!(await startLiff(session.config))) return;
  const invitation = invitationCodeInUrl();
  if (invitation && !(await answerInvitation(invitation))) return;
  const me = await staffApi("/liff/api/staff/me");
  if (!me.ok) return showPageProblem(problemText(me, TEXTS.loadFailed, { 403: STAFF_TEXTS.notStaff }));
  session.me = me.payload;
  applyTheme(me.payload.theme_color);
  document.getElementById("shop-name").textContent = me.payload.shop_name;
  const role = document.getElementById("role");
  role.textContent = STAFF_TEXTS.signedInAs(STAFF_TEXTS.roles[me.payload.role] || me.payload.role);
  role.hidden = false;
  document.getElementById("tabs").hidden = false;
  setUpCounter();
  setUpMemberView();
  setUpSearch();
  setUpComposer();
  setUpCoupons();
  setUpTeam();
  setUpRichMenus();
  setUpMenuEditor();
  setUpConnect();
  setUpScenarios();
  setUpInbox();
  setUpAutoReplies();
  document.getElementById("audit-link").hidden = me.payload.role !== "owner";
  document.getElementById("settings-tab").hidden = me.payload.role !== "owner";
  document.getElementById("scenarios-tab").hidden = me.payload.role !== "owner";
  document.getElementById("menus-link").hidden = me.payload.role !== "owner";
  document.getElementById("export-link").hidden = me.payload.role !== "owner";
  document.getElementById("routes-link").hidden = me.payload.role !== "owner";
  window.addEventListener("hashchange", route);
  route();
}

main().catch((error) => {
  console.error(error);
  showPageProblem(TEXTS.loadFailed);
});
