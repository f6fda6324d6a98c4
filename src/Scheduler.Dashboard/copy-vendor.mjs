// Copies the pinned charting library from node_modules into wwwroot/vendor (served at /ui/vendor, no CDN).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, 'wwwroot', 'vendor');
mkdirSync(target, { recursive: true });
for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
  copyFileSync(join(here, 'node_modules', 'uplot', 'dist', file), join(target, file));
}
