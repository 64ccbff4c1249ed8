/** Tandem's delta engine: content-defined or page chunking with XXH3-128, deltas against a parent, rebuild. */
export { loadDeltaBinding, DELTA_ADDON_FILE } from './binding';
export * from './chunking';
export * from './createDelta';
export * from './applyDelta';
export * from './errors';
export * from './indexFile';
export { decodeHeader as decodeDeltaHeader, DELTA_VERSION, type DeltaHeader } from './format';
