// A Node app reporting errors with the official @sentry/node, as a vendor's app would: only the
// DSN points at b24ops. Driven by tests/sentry.rs.
//
// Environment: DSN, MEMBER_ID, COUNT (exceptions to raise).
import * as Sentry from '@sentry/node';

class PlacementError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PlacementError';
  }
}

function bindPlacement(n) {
  throw new PlacementError(`placement ${n} refused by the portal`);
}

Sentry.init({ dsn: process.env.DSN, release: 'widget@2.0.1', environment: 'staging', defaultIntegrations: false });
Sentry.setTag('member_id', process.env.MEMBER_ID);
const count = Number(process.env.COUNT || '12');
for (let n = 0; n < count; n++) {
  try {
    bindPlacement(n);
  } catch (e) {
    Sentry.captureException(e);
  }
}
await Sentry.flush(10000);
console.log('sent', count);
