// Runs one named bench scenario from argv and prints its JSON result on one line (the bench
// runner starts each scenario in its own process so heaps and RSS do not mix).
export function runScenarioFromArgv(scenarios: Record<string, (...a: number[]) => Promise<object>>): void {
  const [name, ...args] = process.argv.slice(2);
  if (!name) return;
  const fn = scenarios[name];
  if (!fn) throw new Error(`unknown scenario ${name}`);
  fn(...args.map(Number)).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exit(1);
    },
  );
}
