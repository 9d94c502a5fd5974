// Types of what the kernel itself puts in every cell's scope, for the checker. The file is a script, so
// its declarations are global and it may declare the "tskernel" module that cells import the API from.

/** The display, input and comms API: globals, and the "tskernel" module; local modules have it too. */
export const KERNEL_API_DTS = `
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
  interface Input {
    /** Asks the user of the front end that ran the cell for a line of text; needs a front end that accepts input. */
    (prompt?: string): Promise<string>;
    /** As input(), with the typing hidden. */
    password(prompt?: string): Promise<string>;
  }
  /** A comm message's data or metadata: an object of JSON values. */
  type CommData = Record<string, unknown>;
  interface CommMessage {
    data: CommData;
    metadata: CommData;
    /** Binary frames sent with the message. */
    buffers: Uint8Array[];
  }
  /** Binary frames to send with a message. */
  type CommBuffers = (ArrayBufferView | ArrayBuffer)[];
  /** A channel to a front-end extension: messages both ways until either side closes it. */
  interface Comm {
    readonly id: string;
    readonly targetName: string;
    /** True once either side closed the comm. */
    readonly closed: boolean;
    send(data?: CommData, metadata?: CommData, buffers?: CommBuffers): void;
    /** Closes the comm and tells the front end; this side's onClose handlers do not run. */
    close(data?: CommData, metadata?: CommData): void;
    /** Runs \`handler\` for every comm_msg from the front end; it may be async. */
    onMessage(handler: (data: CommData, message: CommMessage) => void): void;
    /** Runs \`handler\` when the front end closes the comm. */
    onClose(handler: (data: CommData, message: CommMessage) => void): void;
  }
  interface Comms {
    /** Handles comms the front end opens with this target name (registering the name again replaces the handler). */
    registerTarget(name: string, handler: (comm: Comm, openMessage: CommMessage) => void): void;
    /** Stops accepting new comms for the target; says whether it was registered. */
    unregisterTarget(name: string): boolean;
    /** Opens a comm to a target the front end registered. */
    open(targetName: string, data?: CommData, metadata?: CommData, buffers?: CommBuffers): Comm;
  }
  interface ClearOutputOptions {
    /** Keep the old output until new output arrives (no flicker when redrawing). */
    wait?: boolean;
  }
}
declare const display: TsKernel.Display;
/** Clears the output of the cell that calls it. */
declare function clearOutput(options?: TsKernel.ClearOutputOptions): void;
declare const input: TsKernel.Input;
/** Comms with front-end extensions: register targets the front end opens, or open comms to its targets. */
declare const comms: TsKernel.Comms;
declare module "tskernel" {
  export const display: TsKernel.Display;
  export function clearOutput(options?: TsKernel.ClearOutputOptions): void;
  export const input: TsKernel.Input;
  export const comms: TsKernel.Comms;
  export type Comm = TsKernel.Comm;
  export type CommMessage = TsKernel.CommMessage;
  export type MimeBundle = TsKernel.MimeBundle;
  export type DisplayHandle<T = unknown> = TsKernel.DisplayHandle<T>;
  export type DisplayOptions = TsKernel.DisplayOptions;
  export type ImageOptions = TsKernel.ImageOptions;
  export type Renderer<T> = TsKernel.Renderer<T>;
}
`;

/** A cell's globals: the API, and the history (Out, In, _, _i...). */
export const KERNEL_GLOBALS_DTS = `${KERNEL_API_DTS}
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
