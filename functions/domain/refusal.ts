/**
 * A rule said no: the domain's way of refusing with the HTTP status it deserves (4xx) and a
 * Chinese message a clerk can act on. Domain modules throw it; the API layer answers it as is.
 */
export class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
