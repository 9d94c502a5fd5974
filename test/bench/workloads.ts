// The code the benchmark feeds the kernel, shared with the TypeScript-alone floors it is compared with.

/** A 1,000-line TypeScript module (`version` makes each copy's code differ). */
export function bigModule(version: number): string {
  const lines = [`export const version = ${version};`];
  for (let i = 0; lines.length < 1000; i++) {
    lines.push(`export interface Item${i} { id: number; label: string; tags: string[] }`);
    lines.push(`export function make${i}(id: number, label: string): Item${i} {`);
    lines.push(`  const tags: string[] = label.split(",").map((t) => t.trim());`);
    lines.push(`  return { id: id + ${i}, label, tags };`);
    lines.push("}");
  }
  return lines.join("\n") + "\n";
}

/** A cell declaring 200 typed functions; each `run` is an edit of it (a constant changes). */
export function typedFunctions(run: number): string {
  return Array.from({ length: 200 }, (_, i) => `function typed${i}(a: number, b: string): string { return b.repeat(a) + ${i + 1000 * run}; }`).join("\n");
}
