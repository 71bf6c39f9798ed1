import { describe, expect, it } from 'vitest';
import { fakeRegistry, vmYaml } from '../../test/fixtures/fake-registry.js';
import { fieldPathToString, formatSpecError, isSpecPath, parseFieldPath, parseSpecFile, parseYamlDocuments } from './spec-parse.js';

const reg = fakeRegistry();

const VM_DEEP = `# the dev master
apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: dev-master
spec:
  cpu: 2
  network:
    mode: softnet
    allow:
      - 10.0.0.0/8
      - not-a-cidr
`;

describe('parseYamlDocuments', () => {
  it('splits any number of documents, ignores empty ones and keeps each document position', () => {
    const text = `---\n${vmYaml('a')}---\n# only a comment\n---\n\n---\n${vmYaml('b')}...\n`;
    const r = parseYamlDocuments('x.yaml', text);
    expect(r.errors).toEqual([]);
    expect(r.documents.map((d) => (d.value as { metadata: { name: string } }).metadata.name)).toEqual(['a', 'b']);
    expect(r.documents.map((d) => d.position)).toEqual([
      { line: 2, col: 1 },
      { line: 13, col: 1 },
    ]);
  });

  it('maps a field path to its line:col and falls back to the nearest existing parent', () => {
    const [doc] = parseYamlDocuments('vm.yaml', VM_DEEP).documents;
    expect(doc.positionOf(['spec', 'network', 'allow', 1])).toEqual({ line: 12, col: 9 });
    expect(doc.positionOf(['spec', 'cpu'])).toEqual({ line: 7, col: 8 }); // the scalar value
    expect(doc.positionOf(['spec', 'network'])).toEqual({ line: 8, col: 3 }); // a block map: its key
    expect(doc.positionOf(['spec', 'network', 'missing', 'deeper'])).toEqual({ line: 8, col: 3 });
    expect(doc.positionOf(['spec', 'network', 'allow', 7])).toEqual({ line: 10, col: 5 });
    expect(doc.positionOf([])).toEqual({ line: 2, col: 1 });
  });

  it.each([
    ['a bad indentation', 'kind: VirtualMachine\nmetadata:\n  name: a\n   bad: x\n', 3],
    ['an unclosed flow map', 'kind: VirtualMachine\nmetadata: {name: a\nspec: {}\n', 3],
    ['a duplicate key', 'kind: VirtualMachine\nkind: Cluster\n', 2],
    ['an unterminated quote in the second document', `${vmYaml('a')}---\nkind: "VirtualMachine\n`, 9],
  ])('reports a YAML syntax error (%s) with file:line:col and no documents', (_name, text, line) => {
    const r = parseYamlDocuments('bad.yaml', text);
    expect(r.documents).toEqual([]);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]).toMatchObject({ file: 'bad.yaml', field: '' });
    expect(r.errors.some((e) => e.line === line)).toBe(true);
    expect(r.errors[0].message).toMatch(/^YAML syntax error: /);
    expect(r.errors[0].message).not.toMatch(/at line \d+/);
  });

  it('an empty file or a comment-only file has no documents and no errors', () => {
    expect(parseYamlDocuments('e.yaml', '')).toEqual({ documents: [], errors: [] });
    expect(parseYamlDocuments('e.yaml', '# nothing yet\n')).toEqual({ documents: [], errors: [] });
  });
});

describe('parseSpecFile', () => {
  it('reports file:line:col for a schema error deep in spec', () => {
    const r = parseSpecFile('vms/dev.yaml', VM_DEEP, reg);
    expect(r.syntaxOk).toBe(true);
    expect(r.documents[0].key).toBe('VirtualMachine/dev-master');
    expect(r.documents[0].input).toBeUndefined();
    expect(r.errors).toEqual([{ file: 'vms/dev.yaml', line: 12, col: 9, field: 'spec.network.allow[1]', message: 'must be a CIDR', object: 'VirtualMachine/dev-master' }]);
    expect(formatSpecError(r.errors[0])).toBe('vms/dev.yaml:12:9 spec.network.allow[1]: must be a CIDR');
  });

  it('a valid document becomes a defaulted SpecInput with its position', () => {
    const r = parseSpecFile('a.yaml', `# c\n\n${vmYaml('a')}`, reg);
    expect(r.errors).toEqual([]);
    expect(r.documents[0]).toMatchObject({ key: 'VirtualMachine/a', position: { line: 3, col: 1 }, namePosition: { line: 6, col: 9 } });
    expect(r.documents[0].input).toEqual({ apiVersion: 'hostplane.dev/v1alpha1', kind: 'VirtualMachine', metadata: { name: 'a' }, spec: { cpu: 2, powerState: 'Running' } });
  });

  it.each([
    ['an unknown kind', 'apiVersion: hostplane.dev/v1alpha1\nkind: VirtualMachin\nmetadata: {name: a}\nspec: {}\n', 'kind', 2, undefined],
    ['a missing kind', 'apiVersion: hostplane.dev/v1alpha1\nmetadata: {name: a}\nspec: {}\n', 'kind', 1, undefined],
    ['a missing name', 'apiVersion: hostplane.dev/v1alpha1\nkind: Cluster\nmetadata: {}\nspec: {}\n', 'metadata.name', 3, undefined],
    ['a wrong apiVersion', 'apiVersion: hostplane.dev/v1\nkind: Cluster\nmetadata: {name: a}\nspec: {}\n', 'apiVersion', 1, 'Cluster/a'],
  ])('names the field for %s', (_n, text, field, line, key) => {
    const r = parseSpecFile('f.yaml', text, reg);
    const e = r.errors.find((x) => x.field === field);
    expect(e, JSON.stringify(r.errors)).toBeDefined();
    expect(e!.line).toBe(line);
    expect(r.documents[0].key).toBe(key);
    expect(r.documents[0].input).toBeUndefined();
  });

  it('uses its own message when the registry is silent about an unidentifiable document', () => {
    const silent = { validate: () => ({ ok: false as const, issues: [] }) };
    const r = parseSpecFile('f.yaml', 'kind: Pod\nmetadata: {name: a}\n', silent);
    expect(r.errors.map((e) => [e.field, e.message])).toEqual([['kind', 'unknown kind "Pod" (expected one of VirtualMachine, Cluster, Addon, LoadTest)']]);
  });

  it('one invalid document does not hide the valid ones', () => {
    const r = parseSpecFile('f.yaml', `${vmYaml('a')}---\n${vmYaml('b', 'cpu: 0')}---\n${vmYaml('c')}`, reg);
    expect(r.documents.map((d) => [d.key, !!d.input])).toEqual([
      ['VirtualMachine/a', true],
      ['VirtualMachine/b', false],
      ['VirtualMachine/c', true],
    ]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 13, field: "spec.cpu", object: 'VirtualMachine/b' });
  });

  it('a document that is not a mapping is an error', () => {
    const r = parseSpecFile('f.yaml', '- a\n- b\n', reg);
    expect(r.errors[0]).toMatchObject({ line: 1, col: 1, field: '' });
    expect(r.documents[0].key).toBeUndefined();
  });

  it('a validator that throws becomes an error, not a crash', () => {
    const r = parseSpecFile('f.yaml', vmYaml('a'), { validate: () => { throw new Error('boom'); } });
    expect(r.errors[0].message).toContain('boom');
  });
});

describe('field paths and names', () => {
  it.each([
    [['spec', 'network', 'allow', 0], 'spec.network.allow[0]'],
    [['metadata', 'name'], 'metadata.name'],
  ])('%j ⇄ %s', (path, field) => {
    expect(fieldPathToString(path)).toBe(field);
    expect(parseFieldPath(field)).toEqual(path);
  });

  it.each([
    ['vms/dev.yaml', true],
    ['a.yml', true],
    ['a.YAML', true],
    ['.hidden.yaml', false],
    ['.git/x.yaml', false],
    ['node_modules/x/a.yaml', false],
    ['vms/dev.yaml~', false],
    ['vms/.dev.yaml.swp', false],
    ['vms/dev.yaml.tmp-12-ab12', false],
    ['vms/dev.json', false],
    ['#dev.yaml#', false],
  ])('isSpecPath(%s) = %s', (p, want) => {
    expect(isSpecPath(p)).toBe(want);
  });
});

describe('parseSpecFile with the real CRDs (src/api/schema.ts, crds/)', async () => {
  const { loadSchemaRegistry } = await import('../api/schema.js');
  const real = loadSchemaRegistry();
  const VM = `apiVersion: hostplane.dev/v1alpha1
kind: VirtualMachine
metadata:
  name: dev-master
spec:
  image: ghcr.io/cirruslabs/ubuntu:latest
  cpu: 2
  memory: 4Gi
`;

  it('a valid VirtualMachine is defaulted by the schema', () => {
    const r = parseSpecFile('vms.yaml', VM, real);
    expect(r.errors).toEqual([]);
    expect(r.documents[0].input).toMatchObject({ kind: 'VirtualMachine', metadata: { name: 'dev-master' }, spec: { cpu: 2, memory: '4Gi' } });
    expect(Object.keys(r.documents[0].input!.spec).length).toBeGreaterThan(3); // defaults were added
  });

  it('reports file:line:col for a schema error deep in spec', () => {
    const r = parseSpecFile('vms.yaml', `${VM}  network:\n    mode: softnet\n    allow:\n      - 0.0.0.0/0\n      - 42\n`, real);
    const e = r.errors.find((x) => x.field === 'spec.network.allow[1]');
    expect(e, JSON.stringify(r.errors)).toMatchObject({ file: 'vms.yaml', line: 13, col: 9, object: 'VirtualMachine/dev-master' });
  });

  it.each([
    ['a wrong type', VM.replace('cpu: 2', 'cpu: two'), 'spec.cpu', 7, 8],
    ['an unknown kind', VM.replace('kind: VirtualMachine', 'kind: VirtualMachin'), 'kind', 2, 7],
    ['a missing name', VM.replace('  name: dev-master\n', ''), 'metadata.name', 3, 1],
  ])('%s names the field and its position', (_n, text, field, line, col) => {
    const r = parseSpecFile('vms.yaml', text, real);
    const e = r.errors.find((x) => x.field === field);
    expect(e, JSON.stringify(r.errors)).toMatchObject({ line, col });
    expect(r.documents[0].input).toBeUndefined();
  });
});
