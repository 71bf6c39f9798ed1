export { QemuProvider, type QemuProviderOptions } from './qemu-provider.js';
export { QmpClient, QmpCommandError, withQmp, type QmpEvent, type QmpStatus } from './qmp.js';
export { chooseAccelerator, kvmSmokeBoot, type KvmVerdict, type SmokeGuest } from './accel.js';
export { buildGuestImage, type GuestImage } from './guest-image.js';
export { buildQemuArgs, guestCmdline, segmentEndpoint, type VmRecord, type RuntimeRecord, type Accelerator } from './args.js';
export { nocloudFiles, buildSeedIso, type NoCloudFiles } from './nocloud.js';
