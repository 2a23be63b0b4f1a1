/** The part of `whatwg-mimetype` 4 that `src/csrf.ts` uses (the package ships no types). */
declare module 'whatwg-mimetype' {
  export default class MIMEType {
    /** The parsed type, or null when `input` is not a valid MIME type. */
    static parse(input: string): MIMEType | null;
    /** `type/subtype`, lower-cased. */
    readonly essence: string;
  }
}
