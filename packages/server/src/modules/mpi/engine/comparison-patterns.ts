// Comparison vectors of many pairs, counted by distinct pattern: EM and u estimation then iterate over a few
// thousand patterns instead of every pair.
import { FIELD_COUNT } from './fields.ts';

export type Pattern = { levels: Int8Array; count: number };

export class PatternCounter {
  private readonly byKey = new Map<string, Pattern>();

  add(levels: Int8Array, count = 1): void {
    let key = '';
    for (let field = 0; field < FIELD_COUNT; field++) {
      key += String.fromCharCode(66 + (levels[field] ?? -1));
    }
    const pattern = this.byKey.get(key);
    if (pattern) {
      pattern.count += count;
    } else {
      this.byKey.set(key, { levels, count });
    }
  }

  patterns(): Pattern[] {
    return [...this.byKey.values()];
  }
}
