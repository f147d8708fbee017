// Copies the one third-party file the browser client loads, Preact and htm in a single ES module,
// from node_modules into assets/web/vendor/, byte for byte: `truce serve` embeds assets/web/ as
// it is, so the browser never reaches any other origin and nothing is built.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'node_modules', 'htm', 'preact', 'standalone.module.js');
const to = join(root, 'assets', 'web', 'vendor', 'preact-htm.mjs');

mkdirSync(dirname(to), { recursive: true });
copyFileSync(from, to);
const version = JSON.parse(readFileSync(join(root, 'node_modules', 'htm', 'package.json'), 'utf8')).version;
console.log(`copied htm ${version}'s preact/standalone.module.js to ${to}`);
