/**
 * Boots the test VM under QEMU/KVM and streams what the guest's command prints. The VM has no
 * network device unless ports are forwarded to it; the repository is shared read-only over
 * virtio-9p or as a read-only disk; the cached disk is never written (snapshot=on or a qcow2
 * overlay keeps this run's writes).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { splitLines } from '../../../scripts/lib/run.mjs';

export const READY_LINE = /^\[guest\] ready/;

/**
 * How to run the guest here: {accel: 'kvm'|'tcg', why}. `wanted` is 'kvm', 'tcg' or 'auto'
 * (KVM when it can boot a stock Debian kernel, TCG emulation otherwise).
 */
export function chooseAccel(wanted, { device = '/dev/kvm', pvmModule = '/sys/module/kvm_pvm' } = {}) {
  if (wanted === 'tcg') return { accel: 'tcg', why: 'asked for with --accel tcg' };
  let problem = null;
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch (err) {
    problem = `${device} is not usable (${err.code})`;
  }
  // PVM (nested virtualisation without hardware support) boots only kernels built as PVM
  // guests; Debian's kernel hangs right after its decompressor there.
  if (!problem && existsSync(pvmModule)) problem = `${device} is PVM (${pvmModule}), which boots only PVM guest kernels, not Debian's`;
  if (!problem) return { accel: 'kvm', why: 'KVM' };
  if (wanted === 'kvm') throw new Error(`--accel kvm: ${problem}; use --accel tcg (emulation, slower) or a host with KVM`);
  return { accel: 'tcg', why: `TCG emulation, slower: ${problem}` };
}

/**
 * The emulated CPU: everything TCG offers except the AVX family, which QEMU 7.2 (Debian 12's)
 * was the first to emulate. V8 picks AVX code paths when CPUID offers them, and an agent the
 * lesson runner started under `-cpu max` once died of SIGILL before its first line of output.
 */
const TCG_CPU = 'max,avx=off,avx2=off,fma=off,f16c=off,vaes=off';

/** KVM runs the guest on the CPU; TCG emulates it (many times slower, but it boots anywhere). */
function accelArgs(accel) {
  return accel === 'kvm' ? ['-enable-kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', TCG_CPU];
}

/**
 * Without forwards, no network device at all. With them ([{hostPort, guestPort}]), QEMU's user
 * network with restrict=on: the guest reaches nothing, not even the host, and the host reaches
 * the guest only on 127.0.0.1:hostPort.
 */
function networkArgs(forwards) {
  if (forwards.length === 0) return ['-nic', 'none'];
  const rules = forwards.map(({ hostPort, guestPort }) => `hostfwd=tcp:127.0.0.1:${hostPort}-:${guestPort}`);
  return ['-netdev', ['user,id=net0,restrict=on', ...rules].join(','), '-device', 'virtio-net-pci,netdev=net0'];
}

/**
 * disk: a qcow2 overlay that keeps what the guest writes (across boots), else the cached image
 * with snapshot=on; cache=unsafe either way, as both are thrown away (dpkg's syncs cost
 * minutes under emulation). repo: a directory shared over 9p, or null when the checkout comes
 * as one of `disks` (raw images, read-only). shares: more directories, [{tag, path}], read-only.
 */
export function qemuArgs({ image, cmdline, repo, jobDir, consoleLog, accel = 'kvm', memory = '4G', cpus = 2, overlay = null, shares = [], disks = [], forwards = [] }) {
  const drive = overlay ? `file=${overlay},format=qcow2,if=virtio,cache=unsafe` : `file=${image.disk},format=raw,if=virtio,snapshot=on,cache=unsafe`;
  const repoShare = repo ? [{ tag: 'repo', path: repo }] : [];
  return [
    ...accelArgs(accel), '-m', memory, '-smp', String(cpus),
    // No default devices (no NIC, no VGA, no floppy), no config file, no window.
    '-nodefaults', '-no-user-config', '-display', 'none', ...networkArgs(forwards),
    '-no-reboot',
    '-kernel', image.kernel, '-initrd', image.initrd, '-append', cmdline,
    '-drive', drive,
    ...disks.flatMap((path) => ['-drive', `file=${path},format=raw,if=virtio,readonly=on`]),
    '-virtfs', `local,path=${jobDir},mount_tag=job,security_model=none`,
    ...[...repoShare, ...shares].flatMap(({ tag, path }) => ['-virtfs', `local,path=${path},mount_tag=${tag},security_model=none,readonly=on`]),
    // ttyS0: the kernel's and systemd's console, kept for when boot fails; ttyS1: the command.
    '-serial', `file:${consoleLog}`,
    '-serial', 'stdio',
  ];
}

/**
 * Runs QEMU until the guest powers off. onLine gets each line the guest's command prints.
 * Resolves {exit, timedOut: false|'boot'|'run', interrupted: signal|null, stderr} once QEMU has exited.
 */
export function bootVm({ args, bootTimeoutMs, runTimeoutMs, onLine, onReady }) {
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let stderr = '';
    const stopAfter = (ms, why) => setTimeout(() => {
      timedOut = why;
      child.kill('SIGKILL');
    }, ms);
    let timer = stopAfter(bootTimeoutMs, 'boot');
    let interrupted = null;
    const stopOnSignal = (signal) => {
      interrupted = signal;
      child.kill('SIGKILL');
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    splitLines(child.stdout, (line) => {
      if (READY_LINE.test(line) && timedOut === false) {
        clearTimeout(timer);
        timer = stopAfter(runTimeoutMs, 'run');
        onReady?.(line);
      }
      onLine(line);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', (err) => {
      clearTimeout(timer);
      const hint = err.code === 'ENOENT' ? ' (install Debian\'s qemu-system-x86: apt-get install -y qemu-system-x86)' : '';
      reject(new Error(`could not start qemu-system-x86_64: ${err.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      resolve({ exit: signal ?? code, timedOut, interrupted, stderr });
    });
  });
}
