import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The lab image's root filesystem, built by the set-up (`npm run setup`) with mmdebstrap. */
export function labImageDir(stateDir: string): string {
  return process.env.BYHAND_LAB_IMAGE || join(stateDir, 'images', 'lab', 'rootfs');
}

/** The native helper built by node-gyp (`npm run build -w @byhand/runtime`). */
export function initHelperPath(): string {
  // BYHAND_INIT_HELPER: where a bundled CLI (e.g. inside a learner's sandbox) finds the helper.
  const path = process.env.BYHAND_INIT_HELPER || join(packageDir, 'build', 'Release', 'byhand-init');
  if (!existsSync(path)) {
    throw new Error(`the runtime's native helper is not built (${path} is missing): run \`npm run setup\``);
  }
  return path;
}

/** Where a learner's sandbox sees the tools below, read-only: the byhand CLI, node and busybox. */
export const TOOLS_DIR_INSIDE = '/opt/byhand';

/** The tools the set-up makes for learner sandboxes (scripts/lib/tools.mjs). */
export function toolsDir(stateDir: string): string {
  return process.env.BYHAND_TOOLS_DIR || join(stateDir, 'tools');
}
