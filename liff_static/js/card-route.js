// The inflow route the card was opened through: a route's QR or URL opens the card LIFF app with
// ?route=<id>. The page reports the entry once (POST /liff/api/route-entries, with the ID token, so
// the entry is the verified customer's), before the card loads (an entry coupon then shows on it),
// and the route leaves the URL, so a reload counts nothing more. Nothing of it is shown: a route the
// shop has since removed, or a failed report, leaves the card as it is.
import { callApi, forgetUrlParameter, urlParameter } from "./liff-app.js";

export const ROUTE_PARAMETER = "route";

export async function reportRouteEntry(config) {
  const routeId = urlParameter(ROUTE_PARAMETER);
  if (!routeId) return;
  forgetUrlParameter(ROUTE_PARAMETER);
  try {
    const result = await callApi(config, "/liff/api/route-entries", { method: "POST", body: { route_id: routeId } });
    if (!result.ok) console.warn("route entry not recorded", result.status);
  } catch (error) {
    console.warn("route entry not recorded", error);
  }
}
