// The folder the sim host keeps its world in: the few JSON-file operations it needs (the state
// dir provides them; the sim does not depend on the runtime's StateDir).
export interface SimDir {
  readJson<T>(rel: string): T | undefined;
  writeJson(rel: string, data: unknown): void;
  remove(rel: string): void;
  list(relDir: string): string[];
}
