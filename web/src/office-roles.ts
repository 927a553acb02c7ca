/**
 * Who may use the office's pages. Who may read the registers and the rejected uploads: the same roles the API lets in
 * (functions/handlers/api/registers.ts, REGISTER_READERS). The menu hides the entries from the
 * rest; the API is what refuses them. tests/integration/register-filters.test.ts checks the two agree.
 */
const OFFICE_ROLES = new Set(['clerk', 'confidential-clerk', 'office-director', 'secretary', 'main-leader', 'deputy-leader', 'archivist', 'seal-keeper', 'admin']);

export const mayReadRegisters = (roles: readonly string[]): boolean => roles.some((r) => OFFICE_ROLES.has(r));

/** The roles GET /registration-desk admits (functions/handlers/api/registration.ts). */
const DESK_ROLES = new Set(['clerk', 'confidential-clerk', 'office-director']);

export const mayUseDesk = (roles: readonly string[]): boolean => roles.some((r) => DESK_ROLES.has(r));
