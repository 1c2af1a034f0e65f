// The official JS SDK (@bitrix24/b24jssdk) as a vendor's Node app uses it: each request loads the
// portal's tokens from the app's own table, and the SDK's refresh callback stores the new pair
// back with a compare-and-swap on the refresh token it used. Driven by tests/connect_app.rs:
//
//   node one_store.mjs call          load the row, call `profile` (refreshing on expired_token)
//   node one_store.mjs call-stale    call with the pair the previous run held in memory
//
// Environment: DATABASE_URL (PostgreSQL), TABLE, MEMBER_ID, CLIENT_ID, CLIENT_SECRET, STATE_FILE.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import pg from 'pg';
import { B24OAuth } from '@bitrix24/b24jssdk';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const table = env('TABLE');
const memberId = env('MEMBER_ID');
const stateFile = env('STATE_FILE');
const db = new pg.Client({ connectionString: env('DATABASE_URL') });
await db.connect();

async function load() {
  const { rows } = await db.query(
    `SELECT domain, client_endpoint, server_endpoint, access_token, refresh_token, expires FROM ${table} WHERE member_id = $1`,
    [memberId],
  );
  if (rows.length !== 1) throw new Error(`no row for ${memberId}`);
  return rows[0];
}

function sdkFor(row) {
  const b24 = new B24OAuth(
    {
      applicationToken: '',
      userId: 1,
      memberId,
      accessToken: row.access_token,
      refreshToken: row.refresh_token,
      expires: Number(row.expires),
      expiresIn: 3600,
      scope: 'crm,user',
      domain: row.domain,
      clientEndpoint: row.client_endpoint,
      serverEndpoint: row.server_endpoint,
      status: 'P',
      issuer: 'request',
    },
    { clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET') },
  );
  b24.offClientSideWarning();
  let used = row.refresh_token;
  b24.setCallbackRefreshAuth(async ({ b24OAuthParams: p }) => {
    // Compare-and-swap: a pair another process (b24ops, another worker) stored first stands.
    const r = await db.query(
      `UPDATE ${table} SET access_token = $1, refresh_token = $2, expires = $3, updated_at = now() WHERE member_id = $4 AND refresh_token = $5`,
      [p.accessToken, p.refreshToken, p.expires, memberId, used],
    );
    used = p.refreshToken;
    console.log(JSON.stringify({ refreshed: true, stored: r.rowCount === 1 }));
  });
  return b24;
}

const mode = process.argv[2] ?? 'call';
const row = mode === 'call-stale' && existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : await load();
const b24 = sdkFor(row);
const res = await b24.actions.v2.call.make({ method: 'profile', params: {} });
const auth = b24.auth.getAuthData();
writeFileSync(stateFile, JSON.stringify({ ...row, access_token: auth ? auth.access_token : row.access_token, refresh_token: auth ? auth.refresh_token : row.refresh_token }));
console.log(JSON.stringify({ ok: res.isSuccess, errors: res.isSuccess ? [] : res.getErrorMessages(), id: res.isSuccess ? res.getData().result.ID : null }));
await db.end();
process.exit(res.isSuccess ? 0 : 3);
