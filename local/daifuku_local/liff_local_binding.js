// The LIFF SDK as the local stack serves it: @line/liff-mock stands in for the LINE app, and the
// LIFF identity (profile, ID token) is the simulated LINE user's, issued by the LINE simulator.
// Pages call liff.init({ liffId }) exactly as in production; this wrapper turns on the mock.
import liff from "@line/liff";
import { LiffMockPlugin } from "@line/liff-mock";

const SIMULATED_USER_KEY = "daifuku.simulatedUserId";

function simulatedUserId() {
  const fromUrl = new URLSearchParams(window.location.search).get("simUser");
  if (fromUrl) window.sessionStorage.setItem(SIMULATED_USER_KEY, fromUrl);
  return fromUrl || window.sessionStorage.getItem(SIMULATED_USER_KEY);
}

// The session of the LIFF app the page opened (its own app id, as liff.init was given it).
async function simulatedSession(userId, liffId) {
  const config = await (await fetch("config.json", { cache: "no-store" })).json();
  const response = await fetch(`${config.simulatorUrl}/_sim/users/${encodeURIComponent(userId)}/liff-session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ liffId: liffId || config.liffId }),
  });
  if (!response.ok) throw new Error(`the LINE simulator has no user ${userId}`);
  return response.json();
}

liff.use(new LiffMockPlugin());
const mockedInit = liff.init.bind(liff);

liff.init = async (config, ...callbacks) => {
  await mockedInit({ ...config, mock: true }, ...callbacks);
  const userId = simulatedUserId();
  if (!userId) {
    // No simulated user: the page is as if opened in a browser outside LINE, signed in to nobody.
    liff.$mock.set((previous) => ({ ...previous, isLoggedIn: false, isInClient: false }));
    return;
  }
  const session = await simulatedSession(userId, config.liffId);
  liff.$mock.set((previous) => ({
    ...previous,
    isLoggedIn: true,
    isInClient: true,
    getProfile: session.profile,
    getIDToken: session.idToken,
    getDecodedIDToken: session.decodedIdToken,
    getContext: session.context,
    getFriendship: { friendFlag: session.friendFlag },
  }));
  // In the LINE app a LIFF user is logged in from the start, but liff-mock answers getProfile only
  // after liff.login() was called (its login just records the call).
  liff.login();
  // liff-mock 1.0.4 mocks scanCode but not scanCodeV2; staff pages use the V2 name.
  liff.scanCodeV2 = () => liff.scanCode();
};

window.liff = liff;
