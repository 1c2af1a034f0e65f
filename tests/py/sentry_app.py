"""A Python app reporting errors with the official Sentry SDK, as a vendor's app would: only the
DSN points at b24ops. Driven by tests/sentry.rs.

Environment: DSN, MEMBER_ID, COUNT (exceptions to raise), TAG (the tag name, default member_id).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "site"))

import sentry_sdk  # noqa: E402


class DealSyncError(Exception):
    """The app's own error type, so the group is module-qualified."""


def load_deal(deal_id):
    raise DealSyncError(f"deal {deal_id} vanished during sync")


def sync(deal_id):
    load_deal(deal_id)


sentry_sdk.init(dsn=os.environ["DSN"], release="crm-sync@1.4.2", environment="production",
                default_integrations=False, auto_enabling_integrations=False)
sentry_sdk.set_tag(os.environ.get("TAG", "member_id"), os.environ["MEMBER_ID"])
for n in range(int(os.environ.get("COUNT", "12"))):
    try:
        sync(n)
    except DealSyncError:
        sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=10)
print("sent", os.environ.get("COUNT", "12"))
