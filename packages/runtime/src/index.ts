export { execInvocation, sandboxInvocation, type ExecSpec, type SandboxSpec, type Invocation, type Volume } from './sandbox.js';
export { UidRangeAllocator, type UidRange } from './userns.js';
export { labImageDir, initHelperPath, toolsDir, TOOLS_DIR_INSIDE } from './paths.js';
export * from './cgroups/index.js';
export { StateStore, defaultStateDir, type Container, type ContainerState, type Status } from './state.js';
export { ImageStore, type Image } from './images/store.js';
export { formatTraceEvent, type TraceEvent } from './explain.js';
export { DEFAULT_CAPABILITIES, effectiveCapabilities } from './capabilities.js';
export type { ContainerConfig } from './config.js';
export { launch, type LaunchOptions } from './lifecycle/launch.js';
export { TerminalStepper } from './lifecycle/step-terminal.js';
export type { StepAnnouncement, StepController, StepDecision } from './lifecycle/step.js';
// The sandbox agent plugs learners' sandboxes into a network of its own (egress) with these.
export * as network from './network/index.js';
