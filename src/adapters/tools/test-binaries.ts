// For tests in any folder: the exact bundled binaries, extracted once per process.
//   const { helm3, helm4, kubectl131 } = await testBinaries();
import { resolveTool } from './resolve.js';

export interface TestBinaries {
  helm3: string;
  helm4: string;
  kubectl131: string;
  kubectl135: string;
}

let pending: Promise<TestBinaries> | undefined;

export function testBinaries(): Promise<TestBinaries> {
  pending ??= (async () => {
    const [helm3, helm4, kubectl131, kubectl135] = await Promise.all([
      resolveTool('helm', { want: 3, bundleOnly: true }),
      resolveTool('helm', { want: 4, bundleOnly: true }),
      resolveTool('kubectl', { want: 31, bundleOnly: true }),
      resolveTool('kubectl', { want: 35, bundleOnly: true }),
    ]);
    return { helm3: helm3.path, helm4: helm4.path, kubectl131: kubectl131.path, kubectl135: kubectl135.path };
  })();
  return pending;
}

/** Helm binaries by major, for table tests over both. */
export async function helmBinaries(): Promise<Array<{ major: 3 | 4; path: string }>> {
  const b = await testBinaries();
  return [
    { major: 3, path: b.helm3 },
    { major: 4, path: b.helm4 },
  ];
}
