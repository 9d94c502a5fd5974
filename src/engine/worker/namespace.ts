// The session as the namespace magics see it: the user's names with their kinds, cells, static types and
// values, deletion that also reaches the type checker, and the variables a function has captured.
import inspector from "node:inspector";
import { inspect } from "node:util";
import type { CapturedVariable, Namespace, NamespaceEntry } from "../../magics/namespace.js";
import type { CellChecker } from "../../language/cell-checker.js";
import { BOX_PREFIX } from "../compile/rewrite.js";
import { CELL_FUNCTION } from "../compile/cell-frame.js";
import { valueAt } from "./introspect.js";
import { hideAsyncBookkeeping } from "../../display/plain-text.js";
import type { Box, Session } from "./session.js";

/** Characters a value summary keeps from each end of a long string (the table shows fewer). */
const SUMMARY_STRING_END = 100;

interface Remote {
  type?: string;
  objectId?: string;
  description?: string;
  value?: unknown;
  unserializableValue?: string;
}

interface Property {
  name: string;
  value?: Remote;
}

const HISTORY = /^(?:_(\d+)|_i(\d+)|_|__|___|_i|_ii|_iii|Out|In)$/;

/** Calls the inspector of this thread; a same-thread session answers before `post` returns. */
class SelfInspector {
  private readonly session = new inspector.Session();
  private readonly stash = Symbol.for("tskernel.closure.inspect");

  constructor() {
    this.session.connect();
  }

  private post<T>(method: string, params: object): T {
    let answer: { error: Error | null; result?: T } | undefined;
    this.session.post(method, params, (error, result) => (answer = { error, result: result as T }));
    if (!answer) throw new Error(`the inspector did not answer ${method} synchronously`);
    if (answer.error) throw answer.error;
    return answer.result as T;
  }

  /** A remote object's value in this realm: objects are fetched by reference, primitives by value. */
  private valueOf(remote: Remote): unknown {
    if (remote.objectId) {
      this.post("Runtime.callFunctionOn", {
        objectId: remote.objectId,
        functionDeclaration: "function () { 'use strict'; globalThis[Symbol.for('tskernel.closure.inspect')] = this; }",
      });
      return (globalThis as Record<symbol, unknown>)[this.stash];
    }
    if (remote.unserializableValue !== undefined) {
      const u = remote.unserializableValue;
      return u.endsWith("n") ? BigInt(u.slice(0, -1)) : u === "-0" ? -0 : Number(u);
    }
    return remote.value;
  }

  /** The scopes a function closes over, innermost first, each as its description and its variables. */
  scopes(fn: object): { description: string; variables: Map<string, unknown> }[] {
    const global = globalThis as Record<symbol, unknown>;
    global[this.stash] = fn;
    try {
      const target = this.post<{ result: Remote }>("Runtime.evaluate", { expression: "globalThis[Symbol.for('tskernel.closure.inspect')]" }).result;
      const props = this.post<{ internalProperties?: Property[] }>("Runtime.getProperties", { objectId: target.objectId, ownProperties: true });
      const list = props.internalProperties?.find((p) => p.name === "[[Scopes]]")?.value;
      if (!list?.objectId) return [];
      const scopes: { description: string; variables: Map<string, unknown> }[] = [];
      for (const entry of this.properties(list.objectId)) {
        const description = entry.value?.description ?? "";
        if (!entry.value?.objectId || !/^(Closure|Block)\b/.test(description)) continue;
        const variables = new Map<string, unknown>();
        for (const v of this.properties(entry.value.objectId)) if (v.value) variables.set(v.name, this.valueOf(v.value));
        scopes.push({ description, variables });
      }
      return scopes;
    } finally {
      delete global[this.stash];
    }
  }

  private properties(objectId: string): Property[] {
    return this.post<{ result: Property[] }>("Runtime.getProperties", { objectId, ownProperties: true }).result;
  }
}

export class SessionNamespace implements Namespace {
  private inspector: SelfInspector | undefined;

  constructor(
    private readonly session: Session,
    private readonly checker: CellChecker,
  ) {}

  entries(): NamespaceEntry[] {
    return this.session.userDeclared().map((u) => ({ ...u, value: this.session.lookup(u.name)?.value }));
  }

  entry(name: string): NamespaceEntry | undefined {
    const u = this.session.userName(name);
    return u && { ...u, value: this.session.lookup(name)?.value };
  }

  historyName(name: string): string | undefined {
    const m = HISTORY.exec(name);
    if (!m || !this.session.lookup(name)) return undefined;
    if (m[1] !== undefined) return `the result of cell ${m[1]} (Out[${m[1]}])`;
    if (m[2] !== undefined) return `the source of cell ${m[2]} (In[${m[2]}])`;
    const described: Record<string, string> = {
      _: "the latest result",
      __: "the result before _",
      ___: "the result before __",
      _i: "the previous cell's source",
      _ii: "the source before _i",
      _iii: "the source before _ii",
      Out: "every cell's result, by execution count",
      In: "every cell's source, by execution count",
    };
    return described[name];
  }

  isBuiltin(name: string): boolean {
    return name in globalThis;
  }

  valueOf(path: string): { found: boolean; value: unknown } {
    return valueAt(path, this.session);
  }

  describe(names: string[]): Map<string, string> {
    return this.checker.describe(names);
  }

  /**
   * One line for a table row: a long array does not break into columns, and a long string keeps its
   * end, which the caller elides in the middle.
   */
  summary(value: unknown): string {
    const shown = typeof value === "string" && value.length > 2 * SUMMARY_STRING_END ? `${value.slice(0, SUMMARY_STRING_END)}…${value.slice(-SUMMARY_STRING_END)}` : value;
    try {
      hideAsyncBookkeeping(shown);
      const text = inspect(shown, { colors: false, depth: 1, compact: true, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 10 });
      return text.replace(/\s*\n\s*/g, " ");
    } catch (e) {
      // A proxy whose traps throw: one row says so, the table still lists every other name.
      return `[could not be shown: ${e instanceof Error ? e.message : String(e)}]`;
    }
  }

  /** Deletes the name everywhere, with the Out entries that hold the same object (as IPython's %xdel). */
  remove(name: string): void {
    const value = this.session.lookup(name)?.value;
    this.session.remove(name);
    this.checker.forget(name);
    if ((typeof value === "object" && value !== null) || typeof value === "function") {
      for (const [n, v] of Object.entries(this.session.out)) {
        if (v === value) this.forgetResult(Number(n));
      }
    }
  }

  private forgetResult(count: number): void {
    this.session.forgetResult(count);
    this.checker.forgetResult(count);
  }

  resetOut(): number {
    const counts = this.session.resetOut();
    for (const n of counts) this.checker.forgetResult(n);
    return counts.length;
  }

  resetIn(): void {
    this.session.resetIn();
  }

  closure(fn: (...args: never[]) => unknown): CapturedVariable[] {
    this.inspector ??= new SelfInspector();
    const source = Function.prototype.toString.call(fn);
    const mentions = (identifier: string) => new RegExp(`(?<![\\w$])${identifier.replace(/\$/g, "\\$")}(?![\\w$])`).test(source);
    const captured: CapturedVariable[] = [];
    const seen = new Set<string>();
    for (const scope of this.inspector.scopes(fn)) {
      const enclosing = /^Closure \((.+)\)$/.exec(scope.description)?.[1];
      // A cell's own scope is the session's top level, not a function the user wrote.
      const scopeName = enclosing === CELL_FUNCTION ? undefined : enclosing;
      for (const [variable, value] of scope.variables) {
        if (!mentions(variable)) continue;
        if (variable.startsWith(BOX_PREFIX)) {
          const name = variable.slice(BOX_PREFIX.length);
          const box = value as Box;
          if (seen.has(name) || box.d !== 1) continue;
          seen.add(name);
          captured.push({ name, value: box.v, from: { sessionCell: this.session.userName(name)?.cell ?? 0 } });
        } else if (!variable.startsWith("__tsk") && !seen.has(variable)) {
          seen.add(variable);
          captured.push({ name: variable, value, from: { scope: scopeName } });
        }
      }
    }
    return captured;
  }
}
