// The LINE simulator console: play a customer of the shop against the local stack.
const state = { users: [], selected: null, links: { liffSite: null, liffPages: {} } };
const $ = (id) => document.getElementById(id);
// The shop's LIFF pages, each opened as the selected user (the local LIFF mock reads ?simUser=).
const SHOP_PAGES = [
  { label: "会員証", page: "card.html" },
  { label: "会員登録", page: "register.html" },
  { label: "プロフィール", page: "profile.html" },
  { label: "スタッフ", page: "staff.html" },
];

async function call(path, { method = "GET", body } = {}) {
  const response = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return response.json();
}

function liffLink(uri, userId) {
  const match = /^https:\/\/liff\.line\.me\/([^/?#]+)(.*)$/.exec(uri || "");
  if (!match || !state.links.liffSite) return uri;
  // A LIFF app created through the LIFF server API opens its endpoint URL, as in the LINE app.
  const endpoint = (state.links.liffApps || {})[match[1]];
  const page = state.links.liffPages[match[1]] || "index.html";
  const url = new URL(endpoint ? `${endpoint}${match[2] || ""}` : `${state.links.liffSite}/${page}${match[2] || ""}`);
  url.searchParams.set("simUser", userId);
  return url.toString();
}

function flexTexts(node, found = { texts: [], buttons: [] }) {
  if (!node || typeof node !== "object") return found;
  if (node.type === "text" && node.text) found.texts.push(node.text);
  if (node.type === "button" && node.action) found.buttons.push(node.action);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) value.forEach((child) => flexTexts(child, found));
    else if (value && typeof value === "object") flexTexts(value, found);
  }
  return found;
}

function renderMessage(entry) {
  const item = document.createElement("li");
  item.className = entry.direction;
  const message = entry.message;
  if (["follow", "block", "loading"].includes(message.type)) {
    item.innerHTML = `<span class="system"></span>`;
    const system = { follow: "友だち追加しました", block: "ブロックしました", loading: "（読み込み中のアニメーション）" };
    item.firstChild.textContent = system[message.type];
    return item;
  }
  if (message.type === "flex" || message.type === "template") {
    const card = document.createElement("div");
    card.className = "card";
    const { texts, buttons } = message.type === "flex" ? flexTexts(message.contents) : { texts: [message.template.text], buttons: message.template.actions || [] };
    const body = document.createElement("div");
    body.className = "card-body";
    body.textContent = texts.join("\n");
    card.appendChild(body);
    for (const action of buttons) {
      const link = document.createElement("a");
      link.className = "card-button";
      link.textContent = action.label || "開く";
      link.href = action.type === "uri" ? liffLink(action.uri, state.selected) : "#";
      link.target = "_blank";
      card.appendChild(link);
    }
    item.appendChild(card);
    return item;
  }
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  bubble.textContent = message.text ?? message.data ?? (message.type === "image" ? "[画像]" : `[${message.type}]`);
  item.appendChild(bubble);
  if (entry.read) {
    const read = document.createElement("span");
    read.className = "system";
    read.textContent = "既読";
    item.appendChild(read);
  }
  return item;
}

async function refreshUsers() {
  state.users = await call("/_sim/users");
  const list = $("user-list");
  list.replaceChildren(
    ...state.users.map((user) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `${user.display_name}${user.following ? "" : "(未追加/ブロック中)"}`;
      button.setAttribute("aria-pressed", String(user.user_id === state.selected));
      button.addEventListener("click", () => select(user.user_id));
      item.appendChild(button);
      return item;
    }),
  );
}

async function refreshChat() {
  if (!state.selected) return;
  const user = state.users.find((u) => u.user_id === state.selected);
  $("friend-state").textContent = user && user.following ? "友だち" : "友だちではありません";
  const transcript = await call(`/_sim/users/${state.selected}/transcript`);
  $("transcript").replaceChildren(...transcript.map(renderMessage));
  $("transcript").scrollTop = $("transcript").scrollHeight;
  renderPageLinks();
  const { richMenu } = await call(`/_sim/users/${state.selected}/rich-menu`);
  renderRichMenu(richMenu);
}

function renderPageLinks() {
  const site = state.links.liffSite;
  $("liff-pages").hidden = !site || !state.selected;
  if (!site || !state.selected) return;
  const name = state.users.find((u) => u.user_id === state.selected)?.display_name || "";
  $("liff-page-links").replaceChildren(
    ...SHOP_PAGES.map(({ label, page }) => {
      const url = new URL(`${site}/${page}`);
      url.searchParams.set("simUser", state.selected);
      const link = document.createElement("a");
      link.href = url.toString();
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = label;
      link.setAttribute("aria-label", `${label}を${name}さんとして開く`);
      const item = document.createElement("li");
      item.appendChild(link);
      return item;
    }),
  );
}

function renderRichMenu(menu) {
  const container = $("rich-menu");
  container.replaceChildren();
  if (!menu) return;
  // As wide as the phone's screen, whatever the console's width.
  const scale = (container.clientWidth || 344) / menu.size.width;
  container.style.height = `${Math.round(menu.size.height * scale)}px`;
  // The uploaded image, as the LINE app shows it; the areas' labels stay until it has loaded.
  container.classList.remove("with-image");
  const image = new Image();
  image.onload = () => {
    container.style.backgroundImage = `url("${image.src}")`;
    container.classList.add("with-image");
  };
  image.src = `/_sim/rich-menus/${encodeURIComponent(menu.richMenuId)}/image`;
  for (const area of menu.areas) {
    const button = document.createElement("button");
    button.type = "button";
    const b = area.bounds;
    Object.assign(button.style, {
      left: `${b.x * scale}px`, top: `${b.y * scale}px`, width: `${b.width * scale}px`, height: `${b.height * scale}px`,
    });
    button.textContent = area.action.label || area.action.displayText || area.action.text || area.action.data || "";
    button.addEventListener("click", async () => {
      const result = await call(`/_sim/users/${state.selected}/rich-menu/tap`, {
        method: "POST", body: { x: b.x + 1, y: b.y + 1 },
      });
      if (result.action && result.action.type === "uri") window.open(liffLink(result.action.uri, state.selected), "_blank");
      await refresh();
    });
    container.appendChild(button);
  }
}

async function refresh() {
  await refreshUsers();
  await refreshChat();
}

async function select(userId) {
  state.selected = userId;
  await refresh();
}

$("new-user").addEventListener("submit", async (event) => {
  event.preventDefault();
  const user = await call("/_sim/users", { method: "POST", body: { display_name: $("new-user-name").value } });
  $("new-user-name").value = "";
  await select(user.user_id);
});
$("follow").addEventListener("click", async () => { await call(`/_sim/users/${state.selected}/follow`, { method: "POST" }); await refresh(); });
$("block").addEventListener("click", async () => { await call(`/_sim/users/${state.selected}/block`, { method: "POST" }); await refresh(); });
$("send-text").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text || !state.selected) return;
  $("text").value = "";
  await call(`/_sim/users/${state.selected}/messages`, { method: "POST", body: { text } });
  await refresh();
});

state.links = await call("/_sim/console-config");
setUpClock();
await refreshUsers();
if (state.users.length) await select(state.users[0].user_id);
setInterval(refresh, 3000);

// The functions' clock (the local stack's): move it forward to see scenario steps arrive.
async function clockCall(path, body) {
  const response = await fetch(`${state.links.clock}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (answer.now) $("clock-now").textContent = new Date(answer.now).toLocaleString("ja-JP", { timeZone: "Asia/Tokyo" });
}

function setUpClock() {
  if (!state.links.clock) return;
  $("clock-panel").hidden = false;
  for (const button of document.querySelectorAll("#clock-panel [data-advance]")) {
    button.addEventListener("click", async () => {
      await clockCall("/advance", JSON.parse(button.dataset.advance));
      refreshChat();
    });
  }
  $("clock-reset").addEventListener("click", () => clockCall("/reset", {}));
  clockCall("");
}
