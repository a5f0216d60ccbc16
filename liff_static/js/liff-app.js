// Start-up shared by every LIFF page: the deployment's config, LIFF itself, and API calls that carry
// the LIFF ID token (the server trusts nothing else about who the customer is).
export async function loadSiteConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return response.json();
}

export async function startLiff(config) {
  await window.liff.init({ liffId: config.liffId });
  if (!window.liff.isLoggedIn()) {
    window.liff.login();
    return null;
  }
  return window.liff.getProfile();
}

export async function callApi(config, path, { method = "GET", body } = {}) {
  const headers = { authorization: `Bearer ${window.liff.getIDToken()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${config.apiBaseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  return { status: response.status, ok: response.ok, payload };
}
