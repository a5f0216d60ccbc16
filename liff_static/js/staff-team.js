// The owner's staff screen (#staff): a one-time invitation link for a clerk or an owner, with its QR
// (drawn by the server, as the poster's is), to copy or send in LINE; the staff list with LINE names,
// where an owner makes someone an owner or a clerk, or removes them after a confirmation. The server
// refuses a change that would leave no owner; the screen says why. Clerks see a notice instead.
import { STAFF_TEXTS } from "./texts.js";
import { element } from "./dom.js";
import { onSubmit } from "./form-submission.js";
import { confirmAction } from "./confirm-dialog.js";
import { say, staffProblemText } from "./status.js";
import { isOwner, session, staffApi } from "./staff-session.js";

const T = STAFF_TEXTS.team;
const TEAM = "/liff/api/staff/team";
const MEANINGS = { last_owner: T.lastOwner, staff_not_found: T.notFound };

function roleName(role) {
  return STAFF_TEXTS.roles[role] || role;
}

function nameOf(member) {
  return member.display_name || T.unnamed;
}

function teamMessage(text) {
  say("team-problem", "");
  say("team-message", text);
}

function teamProblem(result) {
  say("team-message", "");
  say("team-problem", staffProblemText(result, MEANINGS));
}

function drawSvg(figure, svgText, label) {
  // The SVG is the API's own drawing of the invitation URL (qrcode's path image), not user input.
  const svg = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
  svg.setAttribute("aria-hidden", "true");
  figure.replaceChildren(document.importNode(svg, true));
  figure.setAttribute("aria-label", label);
}

function showInvitation(issued) {
  const role = roleName(issued.role);
  document.getElementById("invitation-card-heading").textContent = T.cardHeading(role);
  const figure = document.getElementById("invitation-qr");
  figure.hidden = !issued.qr_svg;
  if (issued.qr_svg) drawSvg(figure, issued.qr_svg, T.qrLabel(role));
  document.getElementById("invitation-valid-until").textContent = T.validUntil(issued.valid_until);
  document.getElementById("invitation-url").value = issued.url || "";
  for (const id of ["invitation-url", "invitation-copy"]) document.getElementById(id).hidden = !issued.url;
  const share = document.getElementById("invitation-share");
  share.hidden = !(issued.url && window.liff?.isApiAvailable?.("shareTargetPicker"));
  share.onclick = () => shareInLine(issued.url);
  const card = document.getElementById("invitation");
  card.hidden = false;
  card.scrollIntoView({ block: "start" });
  if (!issued.url) say("team-problem", T.noUrl);
}

async function shareInLine(url) {
  const text = T.shareText(session.me.shop_name, url);
  await window.liff.shareTargetPicker([{ type: "text", text }]).catch(() => say("team-problem", STAFF_TEXTS.failed));
}

async function copyLink() {
  const input = document.getElementById("invitation-url");
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select(); // the phone's own copy menu, where the clipboard API is not allowed
    return;
  }
  teamMessage(T.copied);
}

async function invite(form) {
  say("team-message", "");
  say("team-problem", "");
  const role = form.elements.role.value;
  if (role === "owner") {
    const sure = await confirmAction({
      title: T.confirmOwnerTitle,
      lines: T.confirmOwnerLines,
      yes: T.confirmOwnerYes,
      no: T.cancel,
    });
    if (!sure) return;
  }
  const result = await staffApi(`${TEAM}/invitations`, { method: "POST", body: { role } });
  if (!result.ok) return teamProblem(result);
  showInvitation(result.payload);
  await drawTeam();
}

async function changeRole(member, role) {
  const self = member.user_id === session.me.user_id;
  if (self) {
    const sure = await confirmAction({
      title: T.confirmDemoteSelfTitle,
      lines: T.confirmDemoteSelfLines,
      yes: T.makeStaff,
      no: T.cancel,
      danger: true,
    });
    if (!sure) return;
  }
  const path = `${TEAM}/${encodeURIComponent(member.user_id)}/role`;
  const result = await staffApi(path, { method: "PUT", body: { role }, patient: true });
  if (!result.ok) {
    teamProblem(result);
    return drawTeam();
  }
  if (self) return window.location.reload(); // no longer an owner: the console starts again as a clerk
  await drawTeam();
  teamMessage(T.roleChanged(nameOf(member), roleName(role)));
}

async function removeMember(member) {
  const sure = await confirmAction({
    title: T.confirmRemoveTitle,
    lines: T.confirmRemoveLines(nameOf(member)),
    yes: T.confirmRemoveYes,
    no: T.cancel,
    danger: true,
  });
  if (!sure) return;
  const result = await staffApi(`${TEAM}/${encodeURIComponent(member.user_id)}`, { method: "DELETE", patient: true });
  if (!result.ok) {
    teamProblem(result);
    return drawTeam();
  }
  if (member.user_id === session.me.user_id) return window.location.reload();
  await drawTeam();
  teamMessage(T.removed(nameOf(member)));
}

/** A button that runs `work` once at a time (the list's buttons are not in a form). */
function actionButton(text, label, work, className = "") {
  const button = element("button", { type: "button", class: `team-action ${className}`.trim(), "aria-label": label }, text);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await work();
    } catch (error) {
      console.error(error);
      say("team-problem", STAFF_TEXTS.failed);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function memberItem(member) {
  const name = nameOf(member);
  const item = element("li", { class: "team-member", "data-user-id": member.user_id, "data-role": member.role });
  const head = element("p", { class: "team-head" });
  head.append(element("span", { class: "team-name" }, name), element("span", { class: `role-badge role-${member.role}` }, roleName(member.role)));
  if (member.user_id === session.me.user_id) head.append(element("span", { class: "team-you" }, T.you));
  item.append(head);
  if (member.added_at) item.append(element("p", { class: "team-since" }, T.since(member.added_at)));
  const actions = element("p", { class: "team-actions" });
  const nextRole = member.role === "owner" ? "staff" : "owner";
  const roleText = nextRole === "owner" ? T.makeOwner : T.makeStaff;
  actions.append(
    actionButton(roleText, `${name}: ${roleText}`, () => changeRole(member, nextRole)),
    actionButton(T.remove, `${name}: ${T.remove}`, () => removeMember(member), "danger-button"),
  );
  item.append(actions);
  return item;
}

async function drawTeam() {
  const result = await staffApi(TEAM);
  const list = document.getElementById("team-list");
  if (!result.ok) return teamProblem(result);
  const staff = result.payload.staff;
  list.replaceChildren(...(staff.length ? staff.map(memberItem) : [element("li", { class: "empty" }, T.none)]));
}

/** The #staff screen, fetched afresh each time it opens. */
export async function openTeam() {
  const owner = isOwner();
  document.getElementById("team-owner-only").hidden = owner;
  document.getElementById("team-owner").hidden = !owner;
  if (!owner) return;
  say("team-message", "");
  say("team-problem", "");
  document.getElementById("invitation").hidden = true;
  await drawTeam();
}

export function setUpTeam() {
  document.getElementById("team-link").hidden = !isOwner();
  const form = document.getElementById("invite-form");
  onSubmit(form, () => invite(form), { onError: () => say("team-problem", STAFF_TEXTS.failed) });
  document.getElementById("invitation-copy").addEventListener("click", () => copyLink());
}
