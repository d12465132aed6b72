/**
 * The image store, the minimum: one read-only layer per image.
 *
 *   <state>/images/<name>/rootfs       the layer (or image.json's "rootfs" names one kept elsewhere)
 *   <state>/images/<name>/image.json   {name, created, rootfs?, config{cmd, env, workdir}}
 *
 * `byhand import TAR|DIR NAME` fills it; `run NAME` uses the layer as the overlay's lower dir.
 * BYHAND_IMAGES_PATH (directories separated by ":") adds read-only stores laid out the same way,
 * searched after this one: inside a learner's sandbox, /opt/byhand/images ships `busybox`.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { extract } from 'tar';

export interface ImageConfig {
  cmd: string[];
  env: string[];
  workdir: string;
}

export interface Image {
  name: string;
  created: string;
  /** Absolute path of the layer. */
  rootfs: string;
  config: ImageConfig;
}

export const IMAGE_NAME = /^[a-z0-9][a-z0-9_.-]*(:[a-zA-Z0-9_.-]+)?$/;

export const DEFAULT_IMAGE_CONFIG: ImageConfig = {
  cmd: ['/bin/sh'],
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  workdir: '/',
};

/** The read-only image directories named by BYHAND_IMAGES_PATH. */
export function extraImageDirs(): string[] {
  return (process.env.BYHAND_IMAGES_PATH ?? '').split(':').filter((dir) => dir !== '');
}

function readImage(dir: string, name: string): Image | null {
  try {
    const meta = JSON.parse(readFileSync(join(dir, name, 'image.json'), 'utf8')) as Partial<Image>;
    const rootfs = meta.rootfs ?? join(dir, name, 'rootfs');
    return { name, created: meta.created ?? '', rootfs, config: { ...DEFAULT_IMAGE_CONFIG, ...meta.config } };
  } catch {
    return null;
  }
}

export class ImageStore {
  readonly dir: string;

  constructor(stateDir: string, readonly extraDirs: string[] = extraImageDirs()) {
    this.dir = join(stateDir, 'images');
  }

  /** An image of this store, else the first of that name in the read-only ones. */
  get(name: string): Image | null {
    for (const dir of [this.dir, ...this.extraDirs]) {
      const image = readImage(dir, name);
      if (image) return image;
    }
    return null;
  }

  require(name: string): Image {
    const image = IMAGE_NAME.test(name) ? this.get(name) : null;
    if (!image) throw new Error(`unknown image ${name}: see byhand images (or byhand import TAR|DIR ${name})`);
    if (!existsSync(image.rootfs)) throw new Error(`image ${name} has lost its layer ${image.rootfs}: import it again`);
    return image;
  }

  list(): Image[] {
    const names = new Set([this.dir, ...this.extraDirs].filter((dir) => existsSync(dir)).flatMap((dir) => readdirSync(dir)));
    return [...names].map((name) => this.get(name)).filter((i): i is Image => i !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Imports a tar archive (any compression tar detects) or a directory as image NAME, replacing one of that name. */
  async import(source: string, name: string, config: Partial<ImageConfig> = {}): Promise<Image> {
    if (!IMAGE_NAME.test(name)) throw new Error(`image name ${JSON.stringify(name)} must be lower-case letters, digits, "_", "." and "-"`);
    const src = resolve(source);
    let isDir: boolean;
    try {
      isDir = statSync(src).isDirectory();
    } catch {
      throw new Error(`cannot import ${source}: no such file or directory`);
    }
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.import-${process.pid}-${name}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'rootfs'), { recursive: true, mode: 0o755 });
    try {
      if (isDir) cpSync(src, join(tmp, 'rootfs'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      else await extract({ file: src, cwd: join(tmp, 'rootfs'), preserveOwner: true, unlink: true });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`cannot import ${source}: ${(err as Error).message}`);
    }
    const image = { name, created: new Date().toISOString(), config: { ...DEFAULT_IMAGE_CONFIG, ...config } };
    writeFileSync(join(tmp, 'image.json'), `${JSON.stringify(image, null, 2)}\n`);
    this.remove(name, { missingOk: true });
    renameSync(tmp, join(this.dir, name));
    return { ...image, rootfs: join(this.dir, name, 'rootfs') };
  }

  remove(name: string, { missingOk = false } = {}): void {
    const dir = join(this.dir, name);
    if (!IMAGE_NAME.test(name) || !existsSync(join(dir, 'image.json'))) {
      if (missingOk) return;
      if (IMAGE_NAME.test(name) && this.get(name)) {
        throw new Error(`image ${name} comes from the read-only BYHAND_IMAGES_PATH (${this.extraDirs.join(':')}) and cannot be removed`);
      }
      throw new Error(`unknown image ${name}: see byhand images`);
    }
    const meta = JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8')) as { rootfs?: string };
    // An image that references a layer kept elsewhere (the lab image) loses only its entry.
    if (meta.rootfs) rmSync(join(dir, 'image.json'), { force: true });
    else rmSync(dir, { recursive: true, force: true });
  }
}
