// Bundles the LIFF SDK for the browser: @line/liff ships ES modules that import ~45 packages by
// bare name and has no browser build of its own. Two bundles, one IIFE each, exposing `window.liff`:
//   vendor/liff.js        the real SDK, deployed with the pages
//   vendor/liff-local.js  the SDK with @line/liff-mock, bound to a simulated user (local stack only)
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const common = { bundle: true, format: "iife", minify: true, target: "es2020", logLevel: "warning" };

await build({
  ...common,
  stdin: { contents: "import liff from '@line/liff'; window.liff = liff;", resolveDir: root },
  outfile: join(here, "vendor", "liff.js"),
});
await build({
  ...common,
  entryPoints: [join(root, "local", "daifuku_local", "liff_local_binding.js")],
  outfile: join(here, "vendor", "liff-local.js"),
});
