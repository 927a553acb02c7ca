/**
 * Named pause points for crash tests: when CHANCERY_FAILPOINTS lists a name, the code reaching it
 * says so on stdout and waits forever, so a test can kill -9 the process at exactly that moment
 * (between a commit and what follows it). Unset, as in every deployment, it does nothing.
 */
export async function failpoint(name: string): Promise<void> {
  const armed = process.env.CHANCERY_FAILPOINTS;
  if (!armed || !armed.split(',').includes(name)) return;
  process.stdout.write(`failpoint ${name} reached\n`);
  await new Promise<never>(() => undefined);
}
