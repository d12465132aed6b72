/** Where a container's files are in its state directory. */
import { join } from 'node:path';

export function containerFiles(dir: string) {
  return {
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    pidFile: join(dir, 'init.pid'),
    log: join(dir, 'container.log'),
    explainLog: join(dir, 'explain.log'),
    fifo: join(dir, 'exec.fifo'),
  };
}
