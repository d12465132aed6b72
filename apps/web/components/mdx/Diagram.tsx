import type { ReactNode } from 'react';

/**
 * <Diagram name="namespaces" | "overlay" | "bridge" | "docker-run" />: the course's figures, as
 * inline SVG. `highlight` marks one part of a figure that has parts (docker-run's stages: a
 * <Stepper> passes the stage of the step it waits on).
 */
export function Diagram({ name, caption, highlight }: { name: keyof typeof DIAGRAMS; caption?: string; highlight?: string }) {
  const diagram = DIAGRAMS[name];
  if (!diagram) {
    return <p role="alert">Unknown diagram &quot;{String(name)}&quot;: use one of {Object.keys(DIAGRAMS).join(', ')}.</p>;
  }
  // Letters only: the id is also a CSS-safe anchor for aria-labelledby.
  const titleId = `diagram-${name.replace(/[^a-z]/g, '')}-title`;
  return (
    <figure className="not-prose my-6" data-testid="diagram" data-diagram={name}>
      <svg
        viewBox="0 0 640 300"
        role="img"
        aria-labelledby={titleId}
        className="h-auto w-full rounded-lg border border-zinc-200 bg-white text-zinc-800 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-200"
        fontFamily="ui-sans-serif, system-ui, sans-serif"
        fontSize="13"
      >
        <title id={titleId}>{diagram.title}</title>
        {typeof diagram.body === 'function' ? diagram.body(highlight) : diagram.body}
      </svg>
      <figcaption className="mt-2 text-center text-sm text-zinc-600 dark:text-zinc-400">{caption ?? diagram.title}</figcaption>
    </figure>
  );
}

const BOX = 'fill-zinc-50 stroke-zinc-400 dark:fill-zinc-900 dark:stroke-zinc-600';
const GREEN = 'fill-emerald-50 stroke-emerald-600 dark:fill-emerald-950 dark:stroke-emerald-500';
const SKY = 'fill-sky-50 stroke-sky-600 dark:fill-sky-950 dark:stroke-sky-500';
const AMBER = 'fill-amber-50 stroke-amber-600 dark:fill-amber-950 dark:stroke-amber-500';

function Label({ x, y, children, bold, anchor = 'start' }: { x: number; y: number; children: ReactNode; bold?: boolean; anchor?: 'start' | 'middle' }) {
  return (
    <text x={x} y={y} textAnchor={anchor} fontWeight={bold ? 600 : 400} className="fill-current">
      {children}
    </text>
  );
}

function Process({ x, y, name, pid, host }: { x: number; y: number; name: string; pid: string; host: string }) {
  return (
    <g>
      <rect x={x} y={y} width={150} height={44} rx={6} className={SKY} />
      <Label x={x + 10} y={y + 18} bold>
        {name}
      </Label>
      <Label x={x + 10} y={y + 35}>
        PID {pid} · {host}
      </Label>
    </g>
  );
}

const DIAGRAMS = {
  namespaces: {
    title: 'One process, two views: a child PID and UTS namespace inside the sandbox',
    body: (
      <>
        <rect x={10} y={10} width={620} height={280} rx={10} className={BOX} />
        <Label x={24} y={32} bold>
          Your sandbox: its own PID and UTS namespaces (hostname lab-…)
        </Label>
        <Process x={30} y={50} name="init" pid="1" host="lab-3f9c" />
        <Process x={30} y={110} name="bash (you)" pid="7" host="lab-3f9c" />
        <Process x={30} y={170} name="unshare" pid="41" host="lab-3f9c" />
        <rect x={300} y={60} width={310} height={200} rx={10} className={GREEN} />
        <Label x={314} y={82} bold>
          Child namespaces: unshare --pid --uts --fork
        </Label>
        <Process x={330} y={110} name="sh" pid="1" host="inside" />
        <Label x={330} y={185}>
          Seen from outside, the same sh is PID 42:
        </Label>
        <Label x={330} y={203}>
          NSpid: 42 1 (one number per level).
        </Label>
        <Label x={330} y={235}>
          Inside sees nothing above it.
        </Label>
        <path d="M180 192 C 250 192, 260 132, 328 132" fill="none" strokeWidth={2} markerEnd="url(#arrow-ns)" className="stroke-emerald-600 dark:stroke-emerald-400" />
        <defs>
          <marker id="arrow-ns" viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto">
            <path d="M0 0 L10 5 L0 10 z" className="fill-emerald-600 dark:fill-emerald-400" />
          </marker>
        </defs>
        <Label x={190} y={240}>
          forks
        </Label>
      </>
    ),
  },
  overlay: {
    title: 'An overlay mount: one writable upper layer over read-only lower layers',
    body: (
      <>
        <Label x={20} y={34} bold>
          merged (what the container sees)
        </Label>
        <rect x={250} y={14} width={370} height={34} rx={6} className={GREEN} />
        <Label x={262} y={36}>
          /etc/hostname* /bin/sh /app/new.txt* (old.txt hidden)
        </Label>
        <Label x={20} y={100} bold>
          upperdir (writable)
        </Label>
        <rect x={250} y={80} width={370} height={34} rx={6} className={AMBER} />
        <Label x={262} y={102}>
          /etc/hostname (copied up) /app/new.txt · whiteout: old.txt
        </Label>
        <Label x={20} y={166} bold>
          lowerdir 2 (read-only)
        </Label>
        <rect x={250} y={146} width={370} height={34} rx={6} className={SKY} />
        <Label x={262} y={168}>
          /app/old.txt
        </Label>
        <Label x={20} y={232} bold>
          lowerdir 1 (read-only image)
        </Label>
        <rect x={250} y={212} width={370} height={34} rx={6} className={SKY} />
        <Label x={262} y={234}>
          /bin/sh /etc/hostname
        </Label>
        <Label x={20} y={282}>
          Reads look from the top layer down; the first match wins. Writes copy the file up first.
        </Label>
      </>
    ),
  },
  bridge: {
    title: 'Two network namespaces joined by veth pairs to a bridge',
    body: (
      <>
        <rect x={10} y={10} width={620} height={120} rx={10} className={BOX} />
        <Label x={24} y={32} bold>
          Host network namespace
        </Label>
        <rect x={230} y={50} width={180} height={40} rx={6} className={GREEN} />
        <Label x={320} y={75} anchor="middle" bold>
          br0 · 10.0.0.1/24
        </Label>
        <rect x={60} y={96} width={110} height={26} rx={4} className={AMBER} />
        <Label x={115} y={114} anchor="middle">
          veth-a (host)
        </Label>
        <rect x={470} y={96} width={110} height={26} rx={4} className={AMBER} />
        <Label x={525} y={114} anchor="middle">
          veth-b (host)
        </Label>
        <path d="M115 96 L260 90 M525 96 L380 90" strokeWidth={2} className="stroke-zinc-500" fill="none" />
        {[
          { x: 30, name: 'netns a', ip: '10.0.0.2/24', peer: 'eth0' },
          { x: 440, name: 'netns b', ip: '10.0.0.3/24', peer: 'eth0' },
        ].map((ns) => (
          <g key={ns.name}>
            <rect x={ns.x} y={170} width={170} height={110} rx={10} className={SKY} />
            <Label x={ns.x + 14} y={192} bold>
              {ns.name}
            </Label>
            <rect x={ns.x + 30} y={206} width={110} height={26} rx={4} className={AMBER} />
            <Label x={ns.x + 85} y={224} anchor="middle">
              {ns.peer} · {ns.ip}
            </Label>
            <Label x={ns.x + 14} y={262}>
              default via 10.0.0.1
            </Label>
            <path d={`M${ns.x + 85} 206 L${ns.x + 85} 122`} strokeWidth={2} strokeDasharray="5 4" className="stroke-zinc-500" fill="none" />
          </g>
        ))}
        <Label x={320} y={200} anchor="middle">
          a veth pair is a cable:
        </Label>
        <Label x={320} y={218} anchor="middle">
          what goes in one end
        </Label>
        <Label x={320} y={236} anchor="middle">
          comes out of the other
        </Label>
      </>
    ),
  },
  'docker-run': {
    title: 'docker run, by hand: the steps that make a container, in order',
    body: (highlight?: string) => <DockerRunStages highlight={highlight} />,
  },
} satisfies Record<string, { title: string; body: ReactNode | ((highlight?: string) => ReactNode) }>;

/** The stages of `byhand run`, as the Stepper names them (see stageOf in Stepper.tsx). */
export const DOCKER_RUN_STAGES = [
  { id: 'cgroup', label: 'cgroup', detail: 'mkdir, limits' },
  { id: 'clone', label: 'clone3', detail: 'new namespaces' },
  { id: 'ids', label: 'join, map', detail: 'cgroup.procs, id maps' },
  { id: 'rootfs', label: 'rootfs', detail: 'overlay, /proc, /dev' },
  { id: 'pivot', label: 'pivot_root', detail: 'umount old root' },
  { id: 'identity', label: 'hostname', detail: 'lo up' },
  { id: 'lockdown', label: 'lock down', detail: 'seccomp, caps' },
  { id: 'exec', label: 'execve', detail: 'the command' },
] as const;

function DockerRunStages({ highlight }: { highlight?: string }) {
  return (
    <>
      <Label x={20} y={34} bold>
        byhand run busybox sh: what happens before your command runs
      </Label>
      {DOCKER_RUN_STAGES.map((stage, i) => {
        const x = 14 + (i % 4) * 156;
        const y = 60 + Math.floor(i / 4) * 110;
        const on = stage.id === highlight;
        return (
          <g key={stage.id} data-stage={stage.id} data-highlighted={on ? 'true' : undefined}>
            <rect x={x} y={y} width={144} height={70} rx={8} strokeWidth={on ? 3 : 1} className={on ? AMBER : stage.id === 'exec' ? GREEN : SKY} />
            <Label x={x + 12} y={y + 28} bold>
              {`${i + 1}. ${stage.label}`}
            </Label>
            <Label x={x + 12} y={y + 50}>
              {stage.detail}
            </Label>
            {i % 4 !== 3 ? <path d={`M${x + 144} ${y + 35} L${x + 156} ${y + 35}`} strokeWidth={2} className="stroke-zinc-500" /> : null}
          </g>
        );
      })}
      <path d="M 600 130 C 600 150, 80 140, 86 168" fill="none" strokeWidth={2} strokeDasharray="5 4" className="stroke-zinc-500" />
      <Label x={20} y={282}>
        Host side first (cgroup, clone, id maps), then inside the new namespaces, one system call at a time.
      </Label>
    </>
  );
}
