// The session namespace: one box per name shared by all cells, what kind each name was declared as and
// in which cell, which names closures capture, and the Out/In history (IPython's user namespace).
import type { DeclKind } from "../compile/resolve.js";
import type { CompilerSession } from "../compile/cell-compiler.js";
import type { Declared, UserKind } from "../../language/declarations.js";

/** `d` is 1 while the name is defined: a box outlives `%xdel` so old closures can see the name go. */
export interface Box {
  v: unknown;
  d: number;
}

export interface BindingInfo {
  kind: DeclKind | "history";
  cell: number;
}

/** A name the user declared, as `%who`, `%whos` and `%scope` show it. */
export interface UserName {
  name: string;
  kind: UserKind;
  /** The execution count of the cell that declared it last. */
  cell: number;
  /** A type, interface or `declare`: no run-time value. */
  typeOnly: boolean;
  module?: string;
  /** For an import: the export it names (see Declared.imported). */
  imported?: string;
}

/** IPython's default: Out keeps 1000 results, and drops the oldest 20% when full. */
export const OUT_CACHE_SIZE = 1000;
const OUT_CULL_FRACTION = 0.2;

export class Session implements CompilerSession {
  private readonly boxes = new Map<string, Box>();
  private readonly info = new Map<string, BindingInfo>();
  private readonly userNames = new Map<string, UserName>();
  private readonly capturedNames = new Set<string>();
  readonly out: Record<number, unknown> = {};
  readonly inputs: string[] = [""];

  /** `outCacheSize`: how many results Out keeps. */
  constructor(private readonly outCacheSize = OUT_CACHE_SIZE) {
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

  /**
   * An imported name (`import { x }`, `import x`): reads go to the module's namespace, so the name is
   * live as an ES import binding is (a module's `export let` changes show), and a reloaded module's
   * new values show at once. A later declaration of the name stores a plain value again.
   */
  defineImport(name: string, namespace: object, key: string, cell: number): void {
    const b = this.box(name);
    Object.defineProperty(b, "v", {
      get: () => (namespace as Record<string, unknown>)[key],
      set: (value: unknown) => Object.defineProperty(b, "v", { value, writable: true, enumerable: true, configurable: true }),
      enumerable: true,
      configurable: true,
    });
    b.d = 1;
    this.info.set(name, { kind: "import", cell });
  }

  lookup(name: string): { value: unknown; info: BindingInfo } | undefined {
    const b = this.boxes.get(name);
    const info = this.info.get(name);
    return b && b.d === 1 && info ? { value: b.v, info } : undefined;
  }

  names(): string[] {
    return [...this.boxes].filter(([, b]) => b.d === 1).map(([n]) => n);
  }

  /** After cell `cell` ran: the declarations it reached are the user's names now. */
  declareNames(cell: number, declared: Map<string, Declared>, reached: Iterable<string>): void {
    for (const name of reached) {
      const d = declared.get(name);
      if (!d) continue;
      this.userNames.delete(name);
      this.userNames.set(name, { name, kind: d.kind, cell, typeOnly: d.typeOnly, ...(d.module === undefined ? {} : { module: d.module, imported: d.imported }) });
    }
  }

  /** The names the user declared and has not deleted, oldest declaration first. */
  userDeclared(): UserName[] {
    return [...this.userNames.values()];
  }

  userName(name: string): UserName | undefined {
    return this.userNames.get(name);
  }

  /** `%xdel`, `%reset`: the name is gone; closures that read it now see a builtin of that name, if any. */
  remove(name: string): void {
    const b = this.boxes.get(name);
    if (b) {
      b.v = undefined;
      b.d = 0;
    }
    this.info.delete(name);
    this.userNames.delete(name);
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
  recordResult(count: number, value: unknown): number[] {
    const culled = this.cullOut();
    this.out[count] = value;
    this.define(`_${count}`, value, "history", count);
    // As IPython: a `_` (or `__`, `___`) the user declared, lodash's say, is not overwritten.
    if (["_", "__", "___"].some((name) => this.has(name) && this.info.get(name)?.kind !== "history")) return culled;
    const prev1 = this.lookup("_")?.value;
    const prev2 = this.lookup("__")?.value;
    this.define("___", prev2, "history", count);
    this.define("__", prev1, "history", count);
    this.define("_", value, "history", count);
    return culled;
  }

  /** Makes room in a full Out by dropping its oldest entries (and their `_n`); returns their counts. */
  private cullOut(): number[] {
    const counts = Object.keys(this.out).map(Number);
    if (counts.length < this.outCacheSize) return [];
    const culled = counts.slice(0, Math.max(1, Math.floor(this.outCacheSize * OUT_CULL_FRACTION)));
    for (const n of culled) this.forgetResult(n);
    return culled;
  }

  forgetResult(count: number): void {
    delete this.out[count];
    this.remove(`_${count}`);
  }

  /** `%reset out`: Out, `_n`, `_`, `__` and `___` are emptied. */
  resetOut(): number[] {
    const counts = Object.keys(this.out).map(Number);
    for (const n of counts) this.forgetResult(n);
    for (const name of ["_", "__", "___"]) this.define(name, undefined, "history", 0);
    return counts;
  }

  /** `%reset in`: In, `_i<n>`, `_i`, `_ii` and `_iii` are emptied; the execution count goes on. */
  resetIn(): void {
    for (let n = 1; n < this.inputs.length; n++) if (this.inputs[n] !== undefined) this.remove(`_i${n}`);
    this.inputs.length = 1;
    for (const name of ["_i", "_ii", "_iii"]) this.define(name, "", "history", 0);
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
