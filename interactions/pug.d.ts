// pug ships no type declarations and @types/pug is not a dependency; this
// covers the one call the provider pages make.
declare module 'pug' {
  export interface CompileOptions {
    filename?: string;
    basedir?: string;
    cache?: boolean;
    compileDebug?: boolean;
    doctype?: string;
  }
  export type CompiledTemplate = (locals?: Record<string, unknown>) => string;
  export function compileFile(path: string, options?: CompileOptions): CompiledTemplate;
}
