// The import rules of README's "Layout" section, checked by src/layout.test.ts (`npx depcruise src
// --config .dependency-cruiser.cjs`). Tests (*.test.ts) may reach shared fixtures and are left out.
const NOT_TEST = '\\.test\\.ts$';

/** A rule: files under `from` may import, of our code, only the folders in `allowed`. */
function onlyImports(name, from, allowed, comment, extra = []) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, pathNot: NOT_TEST },
    to: { path: '^src/', pathNot: [`^src/(${allowed.join('|')})/`, ...extra] },
  };
}

module.exports = {
  forbidden: [
    onlyImports('api-is-the-object-model', '^src/api/', ['api'], 'src/api is the object model: it imports nothing else of ours (the dashboard imports it too).'),
    onlyImports('controllers-are-kind-agnostic', '^src/controllers/', ['api', 'controllers'], 'The runtime imports only the object model: kinds, ports and adapters are handed to it.'),
    onlyImports('ports-are-interfaces', '^src/ports/', ['api', 'ports'], 'Ports are interfaces (and their error types); they import only the object model.'),
    onlyImports('kinds-use-ports-not-adapters', '^src/reconcilers/', ['api', 'controllers', 'ports', 'reconcilers'], 'A kind imports the object model, the runtime\'s reconcile helpers and ports; never an adapter, the sim, the server or the app.'),
    {
      name: 'kinds-keep-to-their-folder',
      comment: 'A kind never imports another kind\'s internals (only src/reconcilers/index.ts lists them all).',
      severity: 'error',
      from: { path: '^src/reconcilers/([^/]+)/', pathNot: NOT_TEST },
      to: { path: '^src/reconcilers/', pathNot: ['^src/reconcilers/$1/'] },
    },
    onlyImports('adapters-implement-ports', '^src/adapters/', ['api', 'ports', 'adapters'], 'Adapters implement ports: they import ports and the object model, get paths and options (not the runtime\'s StateDir).'),
    {
      name: 'adapters-keep-to-their-folder',
      comment: 'One adapter does not reach into another one; the binary resolver (tools) serves all, and the helm-pull chart source runs helm through the helm adapter\'s error types.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/', pathNot: [NOT_TEST, '^src/adapters/chart-source/'] },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/$1/', '^src/adapters/tools/'] },
    },
    {
      name: 'adapters-keep-to-their-folder-but-chart-source',
      comment: 'The chart source may use the helm adapter (helm pull) and nothing else of the others.',
      severity: 'error',
      from: { path: '^src/adapters/chart-source/', pathNot: NOT_TEST },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/(chart-source|tools|helm)/'] },
    },
    onlyImports('sim-implements-ports', '^src/sim/', ['api', 'ports', 'sim'], 'The sim host implements the same ports as the adapters; of the runtime it uses only the clock.', ['^src/controllers/clock\\.ts$']),
    onlyImports('spec-edit-is-below-server-and-cli', '^src/spec-edit/', ['api', 'controllers', 'spec-edit'], 'Comment-keeping spec edits serve the server and the CLI; the runtime never edits specs.'),
    onlyImports('server-serves-the-runtime', '^src/server/', ['api', 'controllers', 'spec-edit', 'server'], 'The HTTP server reads the runtime and edits specs; kinds reach it through their modules, handed in by the app.'),
    {
      name: 'only-the-app-wires',
      comment: 'Only src/app (and the CLI that runs it) builds adapters, kinds and the manager together.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(app|cli)/', NOT_TEST] },
      to: { path: '^src/(app|cli)/' },
    },
    {
      name: 'cli-goes-through-the-app',
      comment: 'The CLI does not build adapters itself: src/app does.',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: NOT_TEST },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'no-circular',
      comment: 'Folders that import each other in a circle cannot be understood one at a time.',
      severity: 'error',
      from: { path: '^src/', pathNot: NOT_TEST },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^ui/|^test/|^hack/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
