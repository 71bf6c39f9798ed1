// The simulated API server's storage: `new MemoryStore({ clock })` implements ObjectStore.
export { MemoryStore, type MemoryStoreOptions, type StoreSnapshot } from './memory-store.js';
export { KubeStatusError, isStatusError } from './errors.js';
export { ResourceRegistry, apiVersionOf, type ResourceDef } from './registry.js';
export { labelSelectorFromObject, parseLabelSelector, selectorString } from './selectors.js';
