/**
 * A copy of `value` with every `reference` to Patient `from` pointing at Patient `to` instead:
 * relative (`Patient/from`, with or without `/_history/n`) and absolute under `baseUrl`. Returns
 * how many references changed; 0 means the copy equals the input.
 */
export function rewritePatientReferences<T>(
  value: T,
  options: { from: string; to: string; baseUrl: string },
): { value: T; rewritten: number } {
  const relative = new RegExp(`^Patient/${escape(options.from)}(/_history/[^/]+)?$`);
  const absolute = `${options.baseUrl}/`;
  let rewritten = 0;
  const rewrite = (reference: string): string => {
    const isAbsolute = reference.startsWith(absolute);
    const path = isAbsolute ? reference.slice(absolute.length) : reference;
    if (!relative.test(path)) {
      return reference;
    }
    rewritten++;
    return `${isAbsolute ? absolute : ''}Patient/${options.to}`;
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(walk);
    }
    if (typeof node !== 'object' || node === null) {
      return node;
    }
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [
        key,
        key === 'reference' && typeof child === 'string' ? rewrite(child) : walk(child),
      ]),
    );
  };
  const copy = walk(value) as T;
  return { value: copy, rewritten };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
