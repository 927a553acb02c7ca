/** Before the test files: web/dist is current, as `npm start` makes it (infra/local/build-web.ts). */
import { ensureWebBuilt } from '../infra/local/build-web.js';

export default async function setup(): Promise<void> {
  await ensureWebBuilt(() => undefined);
}
