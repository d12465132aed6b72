/**
 * `byhand build`: each instruction makes a new image from the one before. RUN runs in a real
 * container of this runtime whose writable layer is committed; COPY/ADD pack files from the
 * context into a layer (ADD unpacks a local tar archive); the others only change the config. Every step is cached under a key of
 * (parent image, instruction, content of copied files): change one instruction and it and
 * every one after it are rebuilt, nothing before.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, posix, relative, resolve } from 'node:path';
import type { Descriptor } from './blobs.js';
import { archiveKind, unpackArchive } from './archive.js';
import { commitLayer, layeredImage } from './commit.js';
import { commandOf, copyArgs, pairsOf, parseDockerfile, type Instruction } from './dockerfile.js';
import { packLayer } from './layer.js';
import { MEDIA, type OciConfig } from './oci.js';
import { normalizeName } from './reference.js';
import type { Image, ImageStore } from './store.js';

/** Runs a command in a container of `image`; the caller commits its upper dir, then removes it. */
export type RunStep = (image: string, command: string[]) => Promise<{ layers: string[]; upper: string; remove: () => Promise<void> }>;

export interface BuildOptions {
  context: string;
  dockerfile: string;
  tag: string | null;
  run: RunStep;
  out: (line: string) => void;
}

function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Paths, modes and contents of what COPY takes: a change in any of them misses the cache. */
function contentHash(paths: string[]): string {
  const hash = createHash('sha256');
  const visit = (path: string, rel: string): void => {
    const st = lstatSync(path);
    hash.update(`${rel}\0${st.mode}\0`);
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) visit(join(path, name), `${rel}/${name}`);
    else if (st.isFile()) hash.update(readFileSync(path));
  };
  for (const p of paths) visit(p, basename(p));
  return hash.digest('hex');
}

function chownTree(path: string): void {
  lchownSync(path, 0, 0);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

function scratch(): OciConfig {
  return { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

class Builder {
  private digest = '';
  private workdir = '/';

  constructor(private readonly store: ImageStore, private readonly opts: BuildOptions) {}

  private current(): { config: OciConfig; layers: Descriptor[] } {
    const manifest = this.store.manifest(this.digest);
    return { config: this.store.config(manifest), layers: manifest.layers };
  }

  /** A new image from the current one: config changed by `change`, and maybe one more layer. */
  private async derive(step: Instruction, change: (c: NonNullable<OciConfig['config']>) => void, layer?: { digest: string; size: number; diffId: string }): Promise<Image> {
    const { config, layers } = this.current();
    const created = new Date().toISOString();
    const next: OciConfig = {
      ...config,
      created,
      config: { ...config.config },
      rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
      history: [...(config.history ?? []), { created, created_by: step.text, ...(layer ? {} : { empty_layer: true }) }],
    };
    change(next.config!);
    const all = layer ? [...layers, { mediaType: MEDIA.ociLayer, digest: layer.digest, size: layer.size }] : layers;
    return this.store.addImage(next, all, []);
  }

  private async from(name: string): Promise<void> {
    const image = name === 'scratch' ? await this.store.addImage(scratch(), [], []) : await layeredImage(this.store, this.store.require(name));
    this.digest = image.digest!;
    this.workdir = image.config.workdir;
  }

  private async copy(step: Instruction): Promise<Image> {
    const { sources, dest } = copyArgs(step.args);
    const context = resolve(this.opts.context);
    const paths = sources.map((s) => {
      if (/^[a-z]+:\/\//i.test(s)) throw new Error(`${step.keyword} ${s}: byhand build does not download: fetch the file into the build context, then ADD it from there`);
      const path = resolve(context, s);
      if (relative(context, path).startsWith('..')) throw new Error(`${step.keyword} ${s}: sources must be inside the build context ${context}`);
      if (!existsSync(path)) throw new Error(`${step.keyword} ${s}: no such file in the build context ${context}`);
      return path;
    });
    const target = posix.resolve(this.workdir, dest);
    const archives = paths.map((p) => (step.keyword === 'ADD' && statSync(p).isFile() ? archiveKind(p) : null));
    const intoDir = dest.endsWith('/') || paths.length > 1 || paths.some((p, i) => statSync(p).isDirectory() || archives[i]);
    return this.layerStep(step, (stage) => {
      mkdirSync(join(stage, intoDir ? target : posix.dirname(target)), { recursive: true });
      for (const [i, path] of paths.entries()) {
        if (archives[i]) continue;
        const to = statSync(path).isDirectory() ? join(stage, target) : intoDir ? join(stage, target, basename(path)) : join(stage, target);
        cpSync(path, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
        // Copied files belong to root, as in Docker; an unpacked archive keeps its own owners.
        if (process.getuid?.() === 0) chownTree(to);
      }
      for (const [i, path] of paths.entries()) {
        const kind = archives[i];
        if (kind) unpackArchive(path, kind, join(stage, target), this.store.blobs.tempPath('add'));
      }
    }, () => undefined);
  }

  /** WORKDIR also makes its directory when the image lacks it, as Docker does: a layer of its own. */
  private workdirStep(step: Instruction): Promise<Image> {
    const dir = posix.resolve(this.workdir, step.args);
    return this.layerStep(step, (stage) => mkdirSync(join(stage, dir), { recursive: true }), (c) => {
      c.WorkingDir = dir;
    });
  }

  /** A step whose layer is what `fill` puts in an empty directory. */
  private async layerStep(step: Instruction, fill: (stage: string) => void, mutate: (c: NonNullable<OciConfig['config']>) => void): Promise<Image> {
    const stage = this.store.blobs.tempPath('stage');
    const tar = this.store.blobs.tempPath('stage-layer');
    try {
      fill(stage);
      await packLayer(stage, tar);
      const digest = await this.store.blobs.putFile(tar);
      return await this.derive(step, mutate, { digest, size: this.store.blobs.size(digest), diffId: digest });
    } finally {
      rmSync(stage, { recursive: true, force: true });
      rmSync(tar, { force: true });
    }
  }

  private async runStep(step: Instruction): Promise<Image> {
    const container = await this.opts.run(this.digest, commandOf(step.args));
    try {
      return await commitLayer(this.store, { image: this.digest, layers: container.layers, upper: container.upper, names: [], createdBy: step.text });
    } finally {
      await container.remove();
    }
  }

  private configStep(step: Instruction): Promise<Image> {
    return this.derive(step, (c) => {
      switch (step.keyword) {
        case 'ENV':
          for (const [k, v] of pairsOf(step.args)) c.Env = [...(c.Env ?? []).filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
          break;
        case 'LABEL':
          c.Labels = { ...c.Labels, ...Object.fromEntries(pairsOf(step.args)) };
          break;
        case 'EXPOSE':
          c.ExposedPorts = { ...c.ExposedPorts, ...Object.fromEntries(step.args.split(/\s+/).map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])) };
          break;
        case 'CMD':
          c.Cmd = commandOf(step.args);
          break;
        case 'ENTRYPOINT':
          c.Entrypoint = commandOf(step.args);
          break;
        default:
          throw new Error(`${step.keyword} changes no config`);
      }
    });
  }

  private execute(step: Instruction): Promise<Image> {
    if (step.keyword === 'RUN') return this.runStep(step);
    if (step.keyword === 'COPY' || step.keyword === 'ADD') return this.copy(step);
    if (step.keyword === 'WORKDIR') return this.workdirStep(step);
    return this.configStep(step);
  }

  private cacheKey(step: Instruction): string {
    const hash = createHash('sha256').update(`${this.digest}\n${step.text}\n`);
    if (step.keyword === 'COPY' || step.keyword === 'ADD') {
      hash.update(contentHash(copyArgs(step.args).sources.map((s) => resolve(this.opts.context, s)).filter((p) => existsSync(p))));
    }
    return hash.digest('hex');
  }

  async build(): Promise<Image> {
    const steps = parseDockerfile(this.opts.dockerfile);
    for (const [i, step] of steps.entries()) {
      this.opts.out(`Step ${i + 1}/${steps.length} : ${step.text}`);
      if (step.keyword === 'FROM') {
        await this.from(step.args.trim());
      } else {
        const key = this.cacheKey(step);
        const hit = this.store.cached(key);
        if (hit) this.opts.out(' ---> Using cache');
        const digest = hit ?? (await this.execute(step)).digest!;
        if (!hit) this.store.remember(key, digest);
        this.digest = digest;
        this.workdir = this.store.fromManifest(digest, digest).config.workdir;
      }
      this.opts.out(` ---> ${shortId(this.store.manifest(this.digest).config.digest)}`);
    }
    if (this.opts.tag) this.store.setRef(this.opts.tag, this.digest);
    return this.store.fromManifest(this.opts.tag ? normalizeName(this.opts.tag) : this.digest, this.digest);
  }
}

export function build(store: ImageStore, opts: BuildOptions): Promise<Image> {
  return new Builder(store, opts).build();
}
