/**
 * `byhand run --step`: one line for each step saying why a container needs it. The narration
 * itself (what the step does) is explain.ts's; this is what a learner reads while it waits.
 */
import type { TraceEvent } from './explain.js';

type Rule = [test: RegExp, why: string];

/** Matched against "<step> <narration>", first match wins. */
const RULES: Rule[] = [
  [/^cgroup mkdir .*\/byhand$/, 'a cgroup is a directory: this one, below the runtime\'s own, holds every container it makes'],
  [/^cgroup mkdir /, 'the container\'s own cgroup: its processes are counted and limited by the files in this directory'],
  [/^cgroup echo .* > .*cgroup\.procs$/, 'the container\'s first process joins its cgroup before it runs anything: nothing of it ever runs outside its limits'],
  [/^cgroup echo .* > .*cpuset\.(cpus|mems)$/, 'a new v1 cpuset cgroup has no CPUs or memory nodes: it gets its parent\'s, or no process could join it'],
  [/^cgroup echo .* > .*subtree_control$/, 'on cgroup v2 a parent hands its controllers down before a child can use them'],
  [/^cgroup /, 'a limit is a number written to a cgroup file: the kernel enforces it from now on'],
  [/^clone /, 'one clone3 makes the process that becomes the container, already in its new namespaces: from now on it has its own mounts, pids, hostname and network'],
  [/^setns /, 'joining a namespace that already exists (another container\'s) instead of making a new one'],
  [/^(uid|gid)_map /, 'root inside maps to an unprivileged id range outside; only the parent, outside the namespace, may write this map'],
  [/^become-root /, 'until now the child ran as host root, which means nobody inside; now it is the mapped root of its user namespace'],
  [/^unshare .*cgroup/, 'made after joining the cgroup, so the container\'s own cgroup looks like / from inside'],
  [/^tty /, 'the terminal becomes the controlling terminal of the container\'s session: Ctrl-C and job control work inside'],
  [/^mount .*open_tree|^mount mount --r?bind .* TARGET$/, 'the parent, with host privileges, makes a detached copy of this directory for the child (idmapped when root inside is not root outside)'],
  [/^mount move_mount/, 'the detached copy the parent made is attached inside the container\'s mount namespace'],
  [/^mount mount --make-rprivate/, 'mounts made from now on must not propagate back to the host'],
  [/^mount mount -t tmpfs .*byhand-layers/, 'a scratch tmpfs inside the new mount namespace, where the layers are put together'],
  [/^mount mount -t overlay/, 'copy-on-write: the image stays read-only below, every write lands in the container\'s own upper layer'],
  [/^mount mount -t proc/, 'a /proc of the new PID namespace: ps inside sees only the container\'s processes'],
  [/^mount mount -t sysfs/, '/sys read-only: the container may look at the kernel\'s devices but not change them'],
  [/^mount mount -t devpts/, 'a private devpts: the container\'s terminals are its own, not the host\'s'],
  [/^mount mount --bind \/dev\/null \/proc|^mount mount -t tmpfs -o ro,size=0/, 'masks a host kernel file the container must not read'],
  [/^mount mount --rbind \/proc|^mount mount -o ro.*remount/, 'this part of /proc stays visible but read-only: writing it would change the host\'s kernel'],
  [/^mount mount --bind \/dev\//, 'a user namespace cannot create device nodes: the harmless host ones are bound in'],
  [/^mount mount -t tmpfs .*\/dev$/, 'a tiny /dev of its own instead of the host\'s, with only safe devices in it'],
  [/^mount mount -t (tmpfs|mqueue)/, 'a fresh, empty file system of its own, limited in size'],
  [/^mount /, 'a mount in the container\'s own mount namespace: the host does not see it'],
  [/^pivot_root /, 'the merged overlay becomes /; the host\'s root is stacked beneath it, still reachable for one more step'],
  [/^umount /, 'detaching the old root removes the last path back to the host\'s files (chroot would leave one)'],
  [/^hostname /, 'the container\'s own UTS namespace: only it sees this name'],
  [/^loopback /, 'a new network namespace has only lo, and it starts down'],
  [/^chdir /, 'the working directory the image asks for'],
  [/^no_new_privs /, 'no later execve can gain privileges: setuid bits and file capabilities stop working'],
  [/^seccomp /, 'a filter on system calls: those with a history of breakouts now fail; loaded while the helper still may'],
  [/^capabilities .*PR_CAPBSET_DROP|^capabilities capsh/, 'the bounding set: what this process and everything it starts can ever have'],
  [/^capabilities /, 'root inside keeps only the capabilities a container needs (Docker\'s default 14)'],
  [/^user /, 'the command runs as the requested user from here on'],
  [/^execve /, 'the helper is replaced by the command: after this the container is running'],
];

export function whyOf(event: TraceEvent, narration: string): string {
  const key = `${event.step} ${event.syscall === 'open_tree+mount_setattr' ? 'open_tree ' : event.syscall === 'move_mount' ? 'move_mount ' : ''}${narration}`;
  return RULES.find(([test]) => test.test(key))?.[1] ?? 'one more step of putting the container together';
}
