// A bounded series: the newest `capacity` samples, oldest dropped first (the seed kept 360).
export const SERIES_CAPACITY = 360;

export class Ring<T> {
  private items: T[] = [];
  constructor(readonly capacity = SERIES_CAPACITY) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** A copy, oldest first; `limit` keeps the newest n. */
  list(limit?: number): T[] {
    return limit === undefined ? this.items.slice() : this.items.slice(Math.max(0, this.items.length - limit));
  }

  last(): T | undefined {
    return this.items[this.items.length - 1];
  }

  get size(): number {
    return this.items.length;
  }
}
