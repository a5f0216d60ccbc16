// Draws the member number's CODE128 barcode as SVG from the module widths the API sends
// (domain/barcode.py encodes; this only paints): bar, space, bar… with a quiet zone either side.
const QUIET_ZONE = 10;
const SVG = "http://www.w3.org/2000/svg";

export function code128Svg(widths, label) {
  const svg = document.createElementNS(SVG, "svg");
  const modules = Array.from(widths, Number);
  const total = modules.reduce((sum, width) => sum + width, 0) + 2 * QUIET_ZONE;
  const height = 50;
  svg.setAttribute("viewBox", `0 0 ${total} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  let x = QUIET_ZONE;
  modules.forEach((width, index) => {
    if (index % 2 === 0) {
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", x);
      bar.setAttribute("y", 0);
      bar.setAttribute("width", width);
      bar.setAttribute("height", height);
      svg.append(bar);
    }
    x += width;
  });
  return svg;
}
