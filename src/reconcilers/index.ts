// The kinds hostplane runs: the only list of them. A new kind is a folder beside these that exports
// a KindModule (plus its CRD in crds/), and one line here.
import type { KindModule } from '../controllers/kind-module.js';
import type { HostPorts } from '../ports/index.js';
import { addonModule } from './addon/module.js';
import { clusterModule } from './cluster/module.js';
import { loadtestModule } from './loadtest/module.js';
import { virtualMachineModule } from './virtualmachine/module.js';

export const KIND_MODULES: readonly KindModule<HostPorts>[] = [
  virtualMachineModule,
  clusterModule,
  addonModule,
  loadtestModule,
];
