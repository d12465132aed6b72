/**
 * A container's cgroup made one step at a time for `byhand run --step`: each mkdir and each
 * limit written is announced to the StepSession first, as the shell command it amounts to.
 * An abort throws out of the creation, which removes what it had made.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupFiles, CgroupsUnavailableError, type TraceFn } from '../cgroups/files.js';
import { detectCgroups } from '../cgroups/detect.js';
import { V1Cgroup } from '../cgroups/v1.js';
import { V2Cgroup } from '../cgroups/v2.js';
import type { ResourceLimits } from '../config.js';
import { hasLimits, type Cgroup, type CgroupLayout } from './cgroup.js';
import type { StepSession } from './step.js';

class SteppedCgroupFiles extends CgroupFiles {
  /** Only the creation steps: the cgroup's later writes (freezing it to kill it) just happen. */
  stepping = true;

  constructor(private readonly session: StepSession, onTrace: TraceFn | undefined) {
    super(onTrace);
  }

  override write(dir: string, file: string, value: string | number): void {
    if (this.stepping) this.session.gate({ step: 'cgroup', command: `echo ${value} > ${join(dir, file)}` });
    super.write(dir, file, value);
  }

  override mkdir(path: string): void {
    // An existing directory is no step: CgroupFiles skips it without a trace too.
    if (this.stepping && !existsSync(path)) this.session.gate({ step: 'cgroup', command: `mkdir ${path}` });
    super.mkdir(path);
  }
}

/** As createContainerCgroup, with a pause before each write. */
export async function createSteppedCgroup(session: StepSession, name: string, limits: ResourceLimits,
  onTrace: TraceFn | undefined, onNote: (note: string) => void): Promise<{ cgroup: Cgroup; layout: CgroupLayout } | null> {
  const files = new SteppedCgroupFiles(session, onTrace);
  try {
    const layout = detectCgroups();
    const cgroup = layout.mode === 'v2'
      ? await V2Cgroup.create(layout, name, limits, files)
      : await V1Cgroup.create(layout, name, limits, files);
    files.stepping = false;
    return { cgroup, layout };
  } catch (err) {
    files.stepping = false;
    if (err instanceof CgroupsUnavailableError && !hasLimits(limits)) {
      onNote(`${err.message}; the container runs without a cgroup, so without resource limits`);
      return null;
    }
    throw err;
  }
}
