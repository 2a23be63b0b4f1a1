/**
 * One line that tells an operator why the gateway (or a command) could not start, for the
 * mistakes one makes when deploying: a database that does not exist or cannot be reached, a
 * port already in use. Walks the error's `cause` chain (the migrator wraps the driver's
 * error). Never prints `DATABASE_URL` itself: it may hold a password.
 */
export function describeStartupError(
  error: unknown,
  where: { databaseUrl?: string; host?: string; port?: number } = {},
): string {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 10; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  const codeOf = (e: unknown) => (e as { code?: unknown }).code;
  const found = (codes: string[]) =>
    chain.find((e) => codes.includes(String(codeOf(e)))) as Error | undefined;
  const server = serverOf(where.databaseUrl);

  if (found(['3D000'])) {
    return `the database "${server.database}" does not exist on the PostgreSQL server ${server.address} (DATABASE_URL): create it (createdb ${server.database}) or correct DATABASE_URL`;
  }
  if (found(['28P01', '28000'])) {
    return `the PostgreSQL server ${server.address} refused the user or password in DATABASE_URL`;
  }
  const refused = found(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);
  if (refused && where.databaseUrl) {
    return `cannot connect to the PostgreSQL server ${server.address} (DATABASE_URL): ${codeOf(refused)}`;
  }
  const inUse = found(['EADDRINUSE', 'EACCES']);
  if (inUse && (inUse as { syscall?: string }).syscall === 'listen') {
    return codeOf(inUse) === 'EADDRINUSE'
      ? `port ${where.port} on ${where.host} is already in use (set PORT to a free port, or stop the process that holds it)`
      : `not allowed to listen on port ${where.port} on ${where.host} (ports below 1024 need privileges; set PORT)`;
  }
  return chain
    .map((e) => (e instanceof Error ? e.message : String(e)))
    .filter((m, i, all) => m && all.indexOf(m) === i)
    .join(': ');
}

function serverOf(databaseUrl: string | undefined): { address: string; database: string } {
  try {
    const url = new URL(databaseUrl ?? '');
    return {
      address: `${url.hostname}:${url.port || 5432}`,
      database: decodeURIComponent(url.pathname.slice(1)) || url.username,
    };
  } catch {
    return { address: '(unparsable DATABASE_URL)', database: '' };
  }
}
