// A Node app calling Bitrix24 through the official @bitrix24/b24jssdk with the b24ops
// call-logging hook attached, pointed at `b24ops emulator`. Driven by tests/sdk_hooks.rs.
//
// Environment: EMULATOR, B24OPS, TOKEN, DOMAIN, MEMBER_ID, ACCESS, REFRESH, CLIENT_ID,
// CLIENT_SECRET. Prints the hook's counters as JSON.
import { B24OAuth } from '@bitrix24/b24jssdk';
import { attachB24opsCalls } from '../../integrations/b24jssdk/b24ops-calls.mjs';

const env = (k) => process.env[k];
const base = env('EMULATOR').replace(/\/$/, '');
const b24 = new B24OAuth(
  {
    applicationToken: '', userId: 1, memberId: env('MEMBER_ID'),
    accessToken: env('ACCESS'), refreshToken: env('REFRESH'),
    // The app believes its token fresh; the portal says it expired.
    expires: Math.floor(Date.now() / 1000) + 1800, expiresIn: 3600,
    scope: 'crm,user', domain: env('DOMAIN'),
    clientEndpoint: `${base}/${env('DOMAIN')}/rest/`, serverEndpoint: `${base}/rest/`,
    status: 'P', issuer: 'request',
  },
  { clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET') },
);
b24.offClientSideWarning();
const log = attachB24opsCalls(b24, { endpoint: env('B24OPS'), token: env('TOKEN'), memberId: env('MEMBER_ID') });
let made = 0;
for (const method of ['profile', 'profile', 'no.such.method', 'user.current']) {
  try {
    await b24.actions.v2.call.make({ method, params: {} });
  } catch (e) {
    console.error('failed as expected:', method, e?.message);
  }
  made += 1;
}
await log.flush();
console.log(JSON.stringify({ made, ...log.stats }));
