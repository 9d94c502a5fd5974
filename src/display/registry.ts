// Renderers users register for their classes (`display.register(Point, (p) => bundle)`): the most
// specific class of a value wins, as an override in a subclass would.
import { describeType } from "./bundle.js";

export type Renderer = (value: never) => unknown;
type Constructor = abstract new (...args: never[]) => unknown;

export class FormatterRegistry {
  private readonly byPrototype = new Map<object, Renderer>();

  private prototypeOf(type: unknown, who: string): object {
    const proto = typeof type === "function" ? (type as { prototype?: unknown }).prototype : undefined;
    if (typeof proto !== "object" || proto === null) {
      throw new TypeError(`${who} expects a class (a constructor such as Map or a class you declared) as its first argument; got ${describeType(type)}`);
    }
    return proto;
  }

  register(type: Constructor, render: Renderer): void {
    const proto = this.prototypeOf(type, "display.register");
    if (typeof render !== "function") {
      throw new TypeError(`display.register expects a function (value) => MIME bundle as its second argument; got ${describeType(render)}`);
    }
    this.byPrototype.set(proto, render);
  }

  /** Whether a renderer was registered for `type` (and is now gone). */
  unregister(type: Constructor): boolean {
    return this.byPrototype.delete(this.prototypeOf(type, "display.unregister"));
  }

  /** The renderer for the nearest class of `value` that has one. */
  find(value: object): { render: Renderer; className: string } | undefined {
    if (this.byPrototype.size === 0) return undefined;
    for (let p: object | null = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
      const render = this.byPrototype.get(p);
      if (render) return { render, className: (p as { constructor?: { name?: string } }).constructor?.name || "anonymous class" };
    }
    return undefined;
  }
}
