// Types of what the kernel itself puts in every cell's scope, for the checker. The file is a script, so
// its declarations are global and it may declare the "tskernel" module that cells import the API from.
export const KERNEL_GLOBALS_DTS = `
declare namespace TsKernel {
  /** Content by MIME type, e.g. { "text/html": "<b>hi</b>", "text/plain": "hi" }; JSON types take JSON values. */
  type MimeBundle = { [mime: \`\${string}/\${string}\`]: unknown };
  type Metadata = Record<string, unknown>;
  interface DisplayOptions {
    /** Shows the output under this display id; displaying or updating the id again changes it in place. */
    id?: string;
  }
  interface ImageOptions extends DisplayOptions {
    /** Width in pixels the front end shows the image at. */
    width?: number;
    /** Height in pixels the front end shows the image at. */
    height?: number;
  }
  /** Image bytes (a Buffer is a Uint8Array) or the path of an image file, relative to the notebook's directory. */
  type ImageSource = Uint8Array | string;
  /** An output shown by display(): update() replaces it in place, clear() blanks it. */
  interface DisplayHandle<T = unknown> {
    readonly id: string;
    update(value: T): void;
    clear(): void;
  }
  interface MimeDisplayHandle extends DisplayHandle<MimeBundle> {
    update(bundle: MimeBundle, metadata?: Metadata): void;
  }
  /** Turns a value into a MIME bundle; text/plain is added when missing. */
  type Renderer<T> = (value: T) => MimeBundle;
  interface Display {
    /** Shows a value as a cell result would show it (registered renderers, Symbol.for("Jupyter.display"), tables). */
    (value: unknown, options?: DisplayOptions): DisplayHandle<unknown>;
    html(html: string, options?: DisplayOptions): DisplayHandle<string>;
    markdown(markdown: string, options?: DisplayOptions): DisplayHandle<string>;
    /** SVG markup (a string containing an <svg> element). */
    svg(svg: string, options?: DisplayOptions): DisplayHandle<string>;
    png(image: ImageSource, options?: ImageOptions): DisplayHandle<ImageSource>;
    jpeg(image: ImageSource, options?: ImageOptions): DisplayHandle<ImageSource>;
    /** Any JSON value, shown as a collapsible tree. */
    json(value: unknown, options?: DisplayOptions): DisplayHandle<unknown>;
    /** LaTeX, e.g. "$$\\\\int_0^1 x\\\\,dx = \\\\tfrac12$$". */
    latex(latex: string, options?: DisplayOptions): DisplayHandle<string>;
    /** A Vega-Lite v5 specification ($schema is added when missing). */
    vegalite(spec: Record<string, unknown>, options?: DisplayOptions): DisplayHandle<Record<string, unknown>>;
    /** A MIME bundle as is, with optional metadata. */
    mime(bundle: MimeBundle, metadata?: Metadata, options?: DisplayOptions): MimeDisplayHandle;
    /** Renders every instance of \`type\` (and of its subclasses) with \`render\`, in results and display(). */
    register<T>(type: abstract new (...args: any[]) => T, render: Renderer<T>): void;
    /** Removes the renderer registered for \`type\`; says whether there was one. */
    unregister(type: abstract new (...args: any[]) => unknown): boolean;
  }
  interface ClearOutputOptions {
    /** Keep the old output until new output arrives (no flicker when redrawing). */
    wait?: boolean;
  }
}
declare const display: TsKernel.Display;
/** Clears the output of the cell that calls it. */
declare function clearOutput(options?: TsKernel.ClearOutputOptions): void;
declare module "tskernel" {
  export const display: TsKernel.Display;
  export function clearOutput(options?: TsKernel.ClearOutputOptions): void;
  export type MimeBundle = TsKernel.MimeBundle;
  export type DisplayHandle<T = unknown> = TsKernel.DisplayHandle<T>;
  export type DisplayOptions = TsKernel.DisplayOptions;
  export type ImageOptions = TsKernel.ImageOptions;
  export type Renderer<T> = TsKernel.Renderer<T>;
}
declare const Out: Record<number, any>;
declare const In: string[];
declare const _: any;
declare const __: any;
declare const ___: any;
declare const _i: string;
declare const _ii: string;
declare const _iii: string;
interface ImportMeta {
  /** True in cells (the notebook is the main program) and in a file \`%run\` runs; false in an imported module. */
  main: boolean;
}
`;
