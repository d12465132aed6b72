export { sandboxInvocation, type SandboxSpec, type Invocation } from './sandbox.js';
export { UidRangeAllocator, type UidRange } from './userns.js';
export { labImageDir, initHelperPath } from './paths.js';
export * from './cgroups/index.js';
