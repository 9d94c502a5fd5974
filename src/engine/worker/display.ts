// The display API cells call (globals, and `import { display, clearOutput } from "tskernel"`). Output goes
// to the cell whose async context calls it, so a timer started by cell 3 displays into cell 3.
import { randomUUID } from "node:crypto";
import type { OutputRouter } from "./output.js";
import type { MimeBundle } from "../engine.js";
import { DISPLAY_SYMBOL, formatters, mimeBundle, type Rendered } from "./format.js";
import { checkBundle, checkMetadata, describeType, isPlainObject, toJson } from "../../display/bundle.js";
import { elide } from "../../display/plain-text.js";
import { imageData, imageMetadata, type ImageFormat } from "../../display/image.js";

const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** What display functions return: update() re-renders the output in place, clear() blanks it. */
class DisplayHandle {
  constructor(
    readonly id: string,
    readonly update: (...args: unknown[]) => void,
    readonly clear: () => void,
  ) {}

  /** A handle left as a cell's value shows nothing: the display it stands for is the output. */
  [DISPLAY_SYMBOL](): MimeBundle {
    return {};
  }
}

/** `fn`, whose errors point at the user's call: frames inside the kernel are cut from their stack. */
function userFacing<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const api = (...args: A): R => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof Error) Error.captureStackTrace(e, api);
      throw e;
    }
  };
  return api;
}

interface DisplayOptions {
  id?: string;
  width?: unknown;
  height?: unknown;
}

function checkOptions(options: unknown, who: string): DisplayOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(`${who}: options must be an object such as { id: "progress" }; got ${describeType(options)}`);
  const { id } = options;
  if (id !== undefined && (typeof id !== "string" || id === "")) throw new TypeError(`${who}: id must be a non-empty string; got ${describeType(id)}`);
  return options;
}

function text(value: unknown, who: string, what: string): string {
  if (typeof value !== "string") throw new TypeError(`${who} expects ${what} as a string; got ${describeType(value)}`);
  return value;
}

/** A bundle with no metadata; its text/plain (which may be a whole document) is capped like a value's. */
function plain(data: Record<string, unknown>): Rendered {
  const fallback = data["text/plain"];
  return { data: typeof fallback === "string" ? { ...data, "text/plain": elide(fallback) } : data, metadata: {} };
}

export function installDisplay(router: OutputRouter, notebookDir: () => string): { display: unknown; clearOutput: unknown } {
  const publish = (shown: Rendered, displayId: string, update: boolean) =>
    router.emit(router.currentCell(), { kind: "display", data: shown.data, metadata: shown.metadata, displayId, update });

  /** A display function: renders its arguments, publishes them, and returns a handle that re-renders in place. */
  const shower =
    (who: string, render: (args: unknown[], options: DisplayOptions) => Rendered, arity = 1) =>
    userFacing((...args: unknown[]): DisplayHandle => {
      const options = checkOptions(args[arity], who);
      const shown = render(args.slice(0, arity), options);
      const id = options.id ?? randomUUID();
      publish(shown, id, false);
      return new DisplayHandle(
        id,
        userFacing((...next: unknown[]) => publish(render(next.slice(0, arity), options), id, true)),
        // An empty bundle blanks the output in place; front ends keep its slot for later updates.
        () => publish(plain({}), id, true),
      );
    });

  const image = (format: ImageFormat) => {
    const mime = `image/${format}`;
    const who = `display.${format}`;
    return shower(who, ([source], options) => {
      const data = imageData(source, format, who, notebookDir());
      const bytes = Math.floor((data.length * 3) / 4);
      return {
        data: { [mime]: data, "text/plain": `[${format.toUpperCase()} image, ${bytes.toLocaleString("en-US")} bytes]` },
        metadata: imageMetadata(mime, options, who),
      };
    });
  };

  const display = Object.assign(
    shower("display", ([value]) => mimeBundle(value)),
    {
      html: shower("display.html", ([html]) => {
        const source = text(html, "display.html", "HTML");
        return plain({ "text/html": source, "text/plain": source });
      }),
      markdown: shower("display.markdown", ([markdown]) => {
        const source = text(markdown, "display.markdown", "Markdown");
        return plain({ "text/markdown": source, "text/plain": source });
      }),
      latex: shower("display.latex", ([latex]) => {
        const source = text(latex, "display.latex", "LaTeX (for example \"$e^{i\\pi} = -1$\")");
        return plain({ "text/latex": source, "text/plain": source });
      }),
      svg: shower("display.svg", ([svg]) => {
        const markup = text(svg, "display.svg", "SVG markup");
        if (!/<svg[\s>]/i.test(markup)) {
          throw new TypeError(`display.svg expects SVG markup containing an <svg> element; to show an SVG file, pass readFileSync(path, "utf8")`);
        }
        return plain({ "image/svg+xml": markup, "text/plain": "[SVG image]" });
      }),
      png: image("png"),
      jpeg: image("jpeg"),
      json: shower("display.json", ([value]) => {
        const json = toJson(value, "display.json: the value");
        return plain({ "application/json": json, "text/plain": JSON.stringify(json, null, 2) });
      }),
      vegalite: shower("display.vegalite", ([spec]) => {
        if (!isPlainObject(spec)) throw new TypeError(`display.vegalite expects a Vega-Lite specification object ({ data, mark, encoding, ... }); got ${describeType(spec)}`);
        const json = toJson({ $schema: VEGA_LITE_SCHEMA, ...spec }, "display.vegalite: the specification") as Record<string, unknown>;
        const title = typeof json.title === "string" ? `: ${json.title}` : "";
        return plain({ [VEGA_LITE_MIME]: json, "text/plain": `[Vega-Lite chart${title}]` });
      }),
      mime: shower(
        "display.mime",
        ([bundle, metadata]) => ({ ...plain(checkBundle(bundle, "display.mime")), metadata: checkMetadata(metadata, "display.mime") }),
        2,
      ),
      register: userFacing(formatters.register.bind(formatters)),
      unregister: userFacing(formatters.unregister.bind(formatters)),
    },
  );

  const clearOutput = userFacing((options: unknown = {}): void => {
    if (!isPlainObject(options) || (options.wait !== undefined && typeof options.wait !== "boolean")) {
      throw new TypeError(`clearOutput expects { wait?: boolean } (wait: true keeps the old output until new output arrives); got ${describeType(options)}`);
    }
    router.emit(router.currentCell(), { kind: "clear", wait: options.wait === true });
  });

  Object.assign(globalThis, { display, clearOutput });
  return { display, clearOutput };
}
