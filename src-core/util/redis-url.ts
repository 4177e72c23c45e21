/**
 * A Redis address as users write it — `redis://[:password@]host[:port][/db]`, or
 * `rediss://` for TLS — as connection options, and as it may be shown or stored
 * (the password replaced by `***`).
 */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The address without its password: safe to log, store and show. */
  display: string;
}

export function parseRedisUrl(text: string): RedisAddress | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return null;
  const port = url.port ? Number(url.port) : 6379;
  const db = url.pathname && url.pathname !== '/' ? Number(url.pathname.slice(1)) : 0;
  if (!url.hostname || !Number.isInteger(port) || !Number.isInteger(db) || db < 0) return null;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const auth = password ? `${username ?? ''}:***@` : username ? `${username}@` : '';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''), port, db, username, password, tls: url.protocol === 'rediss:',
    display: `${url.protocol}//${auth}${url.host}${db ? `/${db}` : ''}`,
  };
}
