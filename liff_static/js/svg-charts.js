// The dashboard's charts, drawn as SVG here (no library, nothing from a CDN): a daily bar chart
// and a used/left meter. Each chart is one role="img" with a Japanese summary for screen readers;
// every bar keeps its number in data-value.
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 320;

function svgElement(tag, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text) node.textContent = text;
  return node;
}

function chartSvg(height, label) {
  const svg = svgElement("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": label });
  svg.append(svgElement("title", {}, label));
  return svg;
}

/** "2026-12-01" → "12/1" */
function shortDate(isoDate) {
  const [, month, day] = isoDate.split("-").map(Number);
  return `${month}/${day}`;
}

/** One bar per day; the tallest bar is the chart's height, its number written beside the axis. */
export function dailyBarChart({ label, days, color }) {
  const height = 150;
  const top = 14;
  const bottom = 22;
  const left = 26;
  const plot = height - top - bottom;
  const max = Math.max(1, ...days.map((day) => day.value));
  const step = (WIDTH - left - 4) / Math.max(1, days.length);
  const svg = chartSvg(height, label);
  svg.append(
    svgElement("line", { x1: left, y1: top + plot, x2: WIDTH - 2, y2: top + plot, class: "axis" }),
    svgElement("text", { x: left - 4, y: top + 4, "text-anchor": "end", class: "tick" }, String(max)),
    svgElement("text", { x: left - 4, y: top + plot, "text-anchor": "end", class: "tick" }, "0"),
  );
  days.forEach((day, index) => {
    const barHeight = (day.value / max) * plot;
    const bar = svgElement("rect", {
      x: (left + index * step + step * 0.15).toFixed(1),
      y: (top + plot - barHeight).toFixed(1),
      width: Math.max(1, step * 0.7).toFixed(1),
      height: barHeight.toFixed(1),
      fill: color,
      class: "chart-bar",
      "data-date": day.date,
      "data-value": day.value,
    });
    bar.append(svgElement("title", {}, `${shortDate(day.date)}:${day.value}`));
    svg.append(bar);
  });
  if (days.length) {
    const last = days[days.length - 1].date;
    svg.append(
      svgElement("text", { x: left, y: height - 6, class: "tick" }, shortDate(days[0].date)),
      svgElement("text", { x: WIDTH - 2, y: height - 6, "text-anchor": "end", class: "tick" }, shortDate(last)),
    );
  }
  return svg;
}

/** A horizontal meter of `used` out of `limit` (no limit: the bar is only what was used). */
export function quotaMeter({ label, used, limit }) {
  const height = 28;
  const svg = chartSvg(height, label);
  const share = limit ? Math.min(1, used / limit) : used > 0 ? 1 : 0;
  svg.append(
    svgElement("rect", { x: 0, y: 4, width: WIDTH, height: 20, rx: 10, class: "meter-track" }),
    svgElement("rect", {
      x: 0,
      y: 4,
      width: (WIDTH * share).toFixed(1),
      height: 20,
      rx: 10,
      class: "meter-used",
      "data-used": used,
      "data-limit": limit ?? "",
    }),
  );
  return svg;
}
