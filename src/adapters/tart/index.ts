export { TartProvider, SUPPORTED_TART_MAJOR, networkArgs, dirArgs, type TartProviderOptions } from './tart-provider.js';
export { parseTartList, parseTartGet, parseTartVersion, gbToGiB, gibToGb, type TartVersion } from './parse.js';
export { classifyTartError, commandLine, type TartFailure } from './errors.js';
