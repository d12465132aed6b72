/** What a container is made of: everything `run`/`create` or an OCI bundle decided, kept in config.json. */

export interface Volume {
  source: string;
  target: string;
  readonly: boolean;
}

export interface ResourceLimits {
  /** Bytes. */
  memory?: number;
  /** Memory plus swap, bytes; -1 for unlimited swap. */
  memorySwap?: number;
  /** Relative weight as Docker's -c has it (default 1024). */
  cpuShares?: number;
  /** Number of CPUs' worth of time, e.g. 0.5. */
  cpus?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
}

export type UsernsMode = { kind: 'host' } | { kind: 'auto'; base: number; count: number };

export interface PublishedPort {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** bridge: a network namespace of its own plugged into `network` (see src/network/). */
export type NetworkMode = { kind: 'none' } | { kind: 'host' } | { kind: 'container'; ref: string }
  | { kind: 'bridge'; network: string; ip?: string; ports: PublishedPort[] };

export interface ContainerConfig {
  /** Image name, or null when run from a rootfs directory. */
  image: string | null;
  /** Read-only lower layers, top first. */
  layers: string[];
  /** The command: entrypoint and arguments, argv[0] as given (resolved inside through PATH). */
  command: string[];
  env: string[];
  workdir: string;
  hostname: string;
  user: string | null;
  tty: boolean;
  interactive: boolean;
  readonlyRootfs: boolean;
  volumes: Volume[];
  capabilities: string[];
  /** --privileged: every capability, no masked paths, no seccomp. */
  privileged: boolean;
  seccomp: 'default' | 'unconfined';
  noNewPrivileges: boolean;
  userns: UsernsMode;
  network: NetworkMode;
  init: boolean;
  limits: ResourceLimits;
  autoRemove: boolean;
  /** Set for containers made by `byhand oci create`: the bundle directory. */
  bundle?: string;
  /** Namespaces to join instead of creating, as KIND:PATH (from an OCI bundle or --network container:). */
  joins?: string[];
}
