import type { HeaderMap } from '@apollo/server';
import MIMEType from 'whatwg-mimetype';

/** The headers that prove a request was preflighted (Apollo Server's recommended set). */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];
/** The content types a browser sends cross-site without a preflight. */
const NON_PREFLIGHTED_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
];

/** Apollo Server's words for the refusal. */
export const CSRF_REFUSAL =
  `This operation has been blocked as a potential Cross-Site Request Forgery ` +
  `(CSRF). Please either specify a 'content-type' header (with a type that ` +
  `is not one of ${NON_PREFLIGHTED_CONTENT_TYPES.join(', ')}) or provide ` +
  `a non-empty value for one of the following headers: ${PREFLIGHT_HEADERS.join(', ')}\n`;

/**
 * Apollo Server's CSRF prevention (`csrfPrevention: true`, `preventCsrf` in @apollo/server 5),
 * decision for decision: a request is refused unless its `content-type` parses (WHATWG MIME
 * sniffing, the same `whatwg-mimetype` parser) to a type a browser would preflight, or it
 * carries a non-empty preflight header. In production the gateway's HTTP entry
 * (`executeHTTPGraphQLRequest`, src/server.ts) runs this instead of Apollo's, for one reason: the common `application/json` (with or without
 * parameters) is told apart without the parser, which built a MIME type object with a
 * parameter map for every request (bench/README.md, round 5). Anything else takes the same
 * parser as Apollo's. `test/http/csrf.test.ts` compares the two decisions case by case.
 */
export function mayBeForged(headers: HeaderMap): boolean {
  const contentType = headers.get('content-type');
  if (contentType !== undefined) {
    // `application/json` or `application/json;…`: type and subtype end at `;`, so the
    // essence is `application/json` whatever the parameters: preflighted.
    if (contentType === 'application/json' || contentType.startsWith('application/json;'))
      return false;
    const parsed = MIMEType.parse(contentType);
    // A type that does not parse is no simple request's either.
    if (parsed === null || !NON_PREFLIGHTED_CONTENT_TYPES.includes(parsed.essence)) return false;
  }
  return !PREFLIGHT_HEADERS.some((header) => {
    const value = headers.get(header);
    return value !== undefined && value.length > 0;
  });
}
