// Reverse index of references between objects (child → parents, parent → children), so a
// parent's status change can enqueue the children that wait on it (Flux's dependsOn pattern).

export class DependencyIndex {
  private readonly parentsByChild = new Map<string, Set<string>>();
  private readonly childrenByParent = new Map<string, Set<string>>();

  /** Replace `childKey`'s parents with `parentKeys`. */
  set(childKey: string, parentKeys: string[]): void {
    this.remove(childKey);
    if (parentKeys.length === 0) return;
    const parents = new Set(parentKeys);
    this.parentsByChild.set(childKey, parents);
    for (const p of parents) {
      let children = this.childrenByParent.get(p);
      if (!children) this.childrenByParent.set(p, (children = new Set()));
      children.add(childKey);
    }
  }

  remove(childKey: string): void {
    const parents = this.parentsByChild.get(childKey);
    if (!parents) return;
    this.parentsByChild.delete(childKey);
    for (const p of parents) {
      const children = this.childrenByParent.get(p)!;
      children.delete(childKey);
      if (children.size === 0) this.childrenByParent.delete(p);
    }
  }

  /** Sorted, so callers enqueue in a stable order. */
  childrenOf(parentKey: string): string[] {
    return [...(this.childrenByParent.get(parentKey) ?? [])].sort();
  }

  parentsOf(childKey: string): string[] {
    return [...(this.parentsByChild.get(childKey) ?? [])].sort();
  }
}
