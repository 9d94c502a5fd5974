// The session namespace: one box per name shared by all cells, what kind each name was declared as and
// in which cell, which names closures capture, and the Out/In history (IPython's user namespace).
import type { DeclKind } from "../compile/resolve.js";
import type { CompilerSession } from "../compile/cell-compiler.js";

/** `d` is 1 while the name is defined: a box outlives `%xdel` so old closures can see the name go. */
export interface Box {
  v: unknown;
  d: number;
}

export interface BindingInfo {
  kind: DeclKind | "history";
  cell: number;
}

export class Session implements CompilerSession {
  private readonly boxes = new Map<string, Box>();
  private readonly info = new Map<string, BindingInfo>();
  private readonly capturedNames = new Set<string>();
  readonly out: Record<number, unknown> = {};
  readonly inputs: string[] = [""];

  constructor() {
    this.define("Out", this.out, "history", 0);
    this.define("In", this.inputs, "history", 0);
  }

  box(name: string): Box {
    let b = this.boxes.get(name);
    if (!b) {
      b = { v: undefined, d: 0 };
      this.boxes.set(name, b);
    }
    return b;
  }

  define(name: string, value: unknown, kind: BindingInfo["kind"], cell: number): void {
    const b = this.box(name);
    b.v = value;
    b.d = 1;
    this.info.set(name, { kind, cell });
  }

  lookup(name: string): { value: unknown; info: BindingInfo } | undefined {
    const b = this.boxes.get(name);
    const info = this.info.get(name);
    return b && b.d === 1 && info ? { value: b.v, info } : undefined;
  }

  names(): string[] {
    return [...this.boxes].filter(([, b]) => b.d === 1).map(([n]) => n);
  }

  markCaptured(names: Iterable<string>): void {
    for (const n of names) this.capturedNames.add(n);
  }

  // CompilerSession: what the compiler may ask before a cell runs.
  has(name: string): boolean {
    return this.boxes.get(name)?.d === 1;
  }
  isGlobal(name: string): boolean {
    return name in globalThis;
  }
  kind(name: string): DeclKind | undefined {
    const k = this.has(name) ? this.info.get(name)?.kind : undefined;
    return k === "history" ? "let" : k;
  }
  captured(name: string): boolean {
    return this.capturedNames.has(name);
  }

  /** Stores a cell's value as IPython does: Out[n], _n, and the rolling _, __, ___. */
  recordResult(count: number, value: unknown): void {
    this.out[count] = value;
    this.define(`_${count}`, value, "history", count);
    const prev1 = this.lookup("_")?.value;
    const prev2 = this.lookup("__")?.value;
    this.define("___", prev2, "history", count);
    this.define("__", prev1, "history", count);
    this.define("_", value, "history", count);
  }

  /** Stores a cell's source as In[n] and _i<n>; _i, _ii, _iii are the three inputs before it, as in IPython. */
  recordInput(count: number, code: string): void {
    const previous = this.inputs.findLast((s, i) => i < count && s !== undefined) ?? "";
    this.inputs[count] = code;
    this.define("_iii", this.lookup("_ii")?.value ?? "", "history", count);
    this.define("_ii", this.lookup("_i")?.value ?? "", "history", count);
    this.define("_i", previous, "history", count);
    this.define(`_i${count}`, code, "history", count);
  }
}
