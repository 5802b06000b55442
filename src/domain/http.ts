/** Small HTTP facts used on both sides (accepting, delivery, the API), in one place. */

/** A delivery succeeded: the endpoint answered 2xx (3xx is a failure: redirects are not followed). */
export const isSuccessStatus = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

/** application/json, application/cloudevents+json, text/json…: bodies hookrelay may parse as JSON. */
export const isJsonContentType = (contentType: string): boolean => /\bjson\b/i.test(contentType);
