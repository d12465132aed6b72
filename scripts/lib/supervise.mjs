/**
 * Runs a few long-lived services side by side: prefixes their output, says when all of them
 * listen, and stops them together (on Ctrl-C, SIGTERM, or when one of them dies).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { splitLines } from './run.mjs';

const KILL_AFTER_MS = 5000;
const POLL_MS = 250;
const SLOW_START_MS = 60000;

/**
 * services: [{name, command, args, port, env?, cwd?}]. Resolves with the exit code this
 * process should end with: 0 after a requested stop, 1 when a service died by itself.
 */
export async function supervise(services, { url, out = process.stdout, signals = ['SIGINT', 'SIGTERM'] }) {
  const say = (line) => out.write(`[start] ${line}\n`);
  // Otherwise whatever already listens there would look like our service being ready.
  for (const { name, port } of services) {
    if (await accepts(port)) {
      say(`port ${port}, which the ${name} needs, is already in use: stop whatever listens there (an earlier start?) and try again`);
      return 1;
    }
  }
  const running = services.map((service) => startService(service, out));
  let stopping = false;
  let exitCode = 0;

  return new Promise((resolve) => {
    const stopAll = () => {
      if (stopping) return;
      stopping = true;
      for (const { child } of running) signalGroup(child, 'SIGTERM');
      const killer = setTimeout(() => {
        for (const { child, name } of running) {
          if (child.exitCode === null && child.signalCode === null) {
            say(`${name} did not stop within ${KILL_AFTER_MS / 1000} s: killing it`);
            signalGroup(child, 'SIGKILL');
          }
        }
      }, KILL_AFTER_MS);
      Promise.all(running.map(({ exited }) => exited)).then(() => {
        clearTimeout(killer);
        for (const signal of signals) process.off(signal, onSignal);
        resolve(exitCode);
      });
    };
    const onSignal = (signal) => {
      if (!stopping) say(`${signal}: stopping everything`);
      stopAll();
    };
    for (const signal of signals) process.on(signal, onSignal);

    for (const { name, exited } of running) {
      exited.then(({ code, signal }) => {
        if (stopping) return;
        say(`${name} stopped by itself (${signal ? `signal ${signal}` : `exit code ${code}`}): stopping the rest`);
        exitCode = 1;
        stopAll();
      });
    }

    waitForPorts(services, () => stopping, say).then((ready) => {
      if (ready) say(`ready: open ${url}`);
    });
  });
}

function startService({ name, command, args, env, cwd }, out) {
  // Own process group: the service and everything it spawns (npm → sh → node) stop together.
  const child = spawn(command, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const print = (line) => out.write(`[${name}] ${line}\n`);
  splitLines(child.stdout, print);
  splitLines(child.stderr, print);
  const exited = new Promise((resolve) => {
    child.on('error', (err) => {
      print(`could not start \`${command}\`: ${err.message}`);
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { name, child, exited };
}

function signalGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err; // already gone
  }
}

/** Resolves true once every service's port accepts connections, false if stopped first. */
async function waitForPorts(services, stopped, say) {
  const started = Date.now();
  let warned = false;
  const pending = new Set(services);
  while (pending.size > 0) {
    if (stopped()) return false;
    for (const service of [...pending]) if (await accepts(service.port)) pending.delete(service);
    if (!warned && Date.now() - started > SLOW_START_MS && pending.size > 0) {
      warned = true;
      const names = [...pending].map((s) => `${s.name} (port ${s.port})`).join(', ');
      say(`still waiting for ${names} to listen; see its output above`);
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return !stopped();
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
