// helm exits 1 for every error; what went wrong is only in stderr (`Error: …`). These patterns
// turn it into a HelmError kind a reconciler can act on (reference addons-loadtests §2.3, §8),
// checked against the real helm 3.17.3 and 4.1.4 texts in errors.test.ts.
import { HelmError, type HelmErrorKind } from '../../ports/helm.js';

interface Rule {
  kind: HelmErrorKind;
  re: RegExp;
}

// Order matters: the first match wins. Locked and schema before the generic not-found rules.
const RULES: Rule[] = [
  { kind: 'Locked', re: /another operation \(install\/upgrade\/rollback\) is in progress/ },
  { kind: 'SchemaViolation', re: /values don't meet the specifications of the schema/ },
  { kind: 'KubeUnreachable', re: /[Kk]ubernetes cluster unreachable/ },
  { kind: 'TemplateFailure', re: /execution error at \(|parse error at \(|error converting YAML to JSON|template: .*: (executing|function)/ },
  { kind: 'NoDeployedReleases', re: /has no deployed releases/ },
  { kind: 'NameInUse', re: /cannot re-?use a name that is still in use/ },
  { kind: 'Timeout', re: /context deadline exceeded|timed out waiting for the condition|not ready\. status:/ },
  { kind: 'InvalidObject', re: /" is invalid: / },
  { kind: 'OwnershipConflict', re: /exists and cannot be imported into the current release|invalid ownership metadata/ },
  { kind: 'ChartNotFound', re: /chart ".*" (version ".*" )?not found|path ".*" not found|FetchReference" on source: .*(: not found|manifest unknown)|manifest unknown|no chart version found|no chart name found|Chart\.yaml file is missing|failed to download "/ },
  { kind: 'RepoUnreachable', re: /is not a valid chart repository or cannot be reached|failed to do request|failed to perform "FetchReference"/ },
  { kind: 'ReleaseNotFound', re: /release: not found/ },
];

/** The `Error: …` part of stderr (helm prints warnings and notes before it). */
export function errorText(stderr: string): string {
  const i = stderr.search(/^Error: /m);
  return (i >= 0 ? stderr.slice(i) : stderr).replace(/^Error: /, '').trim();
}

/** The value path a schema error names, in dot form: controller.adminPassword. */
export function schemaValuePath(text: string): string | undefined {
  // helm 3 (xeipuuv/gojsonschema): "- controller: Additional property adminPassword is not allowed"
  //                                "- controller.nodePort: Invalid type. Expected: integer, given: string"
  // helm 4 (santhosh-tekuri/jsonschema): "- at '/controller': additional properties 'adminPassword' not allowed"
  //                                      "- at '/controller/nodePort': got string, want integer"
  const h4Extra = /at '([^']*)': additional properties? '([^']+)'/.exec(text);
  if (h4Extra) return joinPath(pointerToDots(h4Extra[1]), h4Extra[2]);
  const h4 = /^- at '([^']*)'/m.exec(text);
  if (h4) return pointerToDots(h4[1]) || undefined;
  const h3Extra = /^- ([^:\n]+): Additional property (\S+) is not allowed/m.exec(text);
  if (h3Extra) return joinPath(h3Extra[1] === '(root)' ? '' : h3Extra[1], h3Extra[2]);
  const h3 = /^- ([^:\n]+): /m.exec(text);
  if (h3 && h3[1] !== '(root)') return h3[1];
  const h3Required = /^- \(root\): (\S+) is required/m.exec(text);
  if (h3Required) return h3Required[1];
  return undefined;
}

function pointerToDots(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function joinPath(base: string, leaf: string): string {
  return base ? `${base}.${leaf}` : leaf;
}

/** For a template `fail`: the first back-quoted dotted name (charts quote the value they reject). */
function templateValuePath(text: string): string | undefined {
  return /`([A-Za-z0-9_.-]+)`/.exec(text)?.[1];
}

/** helm's multi-line errors ("2 errors occurred:\n\t* …") on one line, bounded. */
function oneLine(text: string, max: number): string {
  const t = text
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s*/, '').trim())
    .filter(Boolean)
    .join('; ');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function describe(kind: HelmErrorKind, text: string, ctx: { command: string; release?: string; namespace?: string }, valuePath?: string): string {
  const rel = ctx.release ? `${ctx.namespace ? `${ctx.namespace}/` : ''}${ctx.release}` : '';
  const first = text.split('\n')[0];
  switch (kind) {
    case 'Locked':
      return `release ${rel} is locked: an earlier helm operation did not finish (its last revision is pending-*); unlock it (mark the pending revision failed) or roll back — helm said: ${first}`;
    case 'SchemaViolation':
      return `the chart's values.schema.json rejected ${valuePath ? `value ${valuePath}` : 'the values'}: ${text.split('\n').filter((l) => l.startsWith('- ')).join('; ') || first}`;
    case 'TemplateFailure':
      return `the chart failed to render${valuePath ? ` (value ${valuePath})` : ''}: ${first}`;
    case 'NoDeployedReleases':
      return `release ${rel} has no deployed revision to upgrade; install it (upgrade --install) — helm said: ${first}`;
    case 'ReleaseNotFound':
      return `release ${rel} not found`;
    case 'NameInUse':
      return `release name ${rel} is already in use; upgrade it instead of installing — helm said: ${first}`;
    case 'Timeout':
      return `helm ${ctx.command} of ${rel} timed out waiting for resources: ${first}`;
    case 'ChartNotFound':
      return `chart not found: ${first}`;
    case 'RepoUnreachable':
      return `chart repository unreachable: ${first}`;
    case 'KubeUnreachable':
      return `cluster API unreachable (check the cluster is running and its kubeconfig): ${first}`;
    case 'InvalidObject':
      return `the cluster rejected an object of release ${rel}: ${oneLine(text, 600)}`;
    case 'OwnershipConflict':
      return `an object of release ${rel} already exists and belongs to something else: ${first}`;
    default:
      return `helm ${ctx.command}${rel ? ` ${rel}` : ''} failed: ${oneLine(text, 600)}`;
  }
}

// A network failure without helm's own wording: whoever the command talks to is unreachable.
const NETWORK = /connection refused|no such host|i\/o timeout|TLS handshake|connection reset|network is unreachable|unexpected EOF/;

export function classify(stderr: string, ctx: { command: string; release?: string; namespace?: string }): HelmError {
  const text = errorText(stderr);
  let kind = RULES.find((r) => r.re.test(text))?.kind ?? 'Unknown';
  if (kind === 'Unknown' && NETWORK.test(text)) kind = ctx.command === 'pull' ? 'RepoUnreachable' : 'KubeUnreachable';
  const valuePath = kind === 'SchemaViolation' ? schemaValuePath(text) : kind === 'TemplateFailure' ? templateValuePath(text) : undefined;
  return new HelmError(kind, describe(kind, text, ctx, valuePath), text, ctx.command, valuePath);
}
