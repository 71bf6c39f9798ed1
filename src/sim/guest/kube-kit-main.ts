// Entry of the guest kit bundle (hack/guest-sandbox/lib/build-kit.mjs): `node kube-kit.mjs TOOL ARGS…`.
import { main } from './kube-kit.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`guest kit: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);
