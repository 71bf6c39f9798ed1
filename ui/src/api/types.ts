// Shapes the API serves. Object types come from the server's own model so both sides agree.
export type { Condition, HostObject, Kind, LastReconcile, ReconcileInfo, SpecError } from '../../../src/api/types.js';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  description?: string;
}

export interface KindInfo {
  kind: string;
  plural: string;
  singular?: string;
  shortNames?: string[];
  printerColumns?: PrinterColumn[];
  schema?: unknown;
  /** Which spec fields refer to objects of which kind (the kind module's references). */
  references?: { path: string; kind: string }[];
}

export interface HostEvent {
  id: number;
  object: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

export interface HostCapacity {
  cpu: number;
  memoryMiB: number;
  requestedCpu: number;
  requestedMemoryMiB: number;
}

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: { field: string; message: string }[] };
}
