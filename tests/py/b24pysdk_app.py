"""A Python app calling Bitrix24 through the official b24pysdk with the b24ops call-logging hook
installed, pointed at `b24ops emulator`. Driven by tests/sdk_hooks.rs.

Environment: EMULATOR (base URL), B24OPS (serve's URL), TOKEN (serve's API token), DOMAIN,
MEMBER_ID, ACCESS, REFRESH, CLIENT_ID, CLIENT_SECRET. Prints the hook's counters as JSON.
"""
import importlib
import json
import os
import sys

here = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(here, "site"))
sys.path.insert(0, os.path.join(here, "..", "..", "integrations", "b24pysdk"))

import b24ops_calls  # noqa: E402
from b24pysdk import BitrixApp, BitrixToken  # noqa: E402
from b24pysdk.api.requesters.bitrix_oauth_requester import BitrixOAuthRequester  # noqa: E402
from b24pysdk.errors import BitrixAPIError  # noqa: E402

emu = os.environ["EMULATOR"].rstrip("/")
# The SDK builds https://{domain}/rest and https://oauth.bitrix24.tech; the emulator serves the
# same paths over plain HTTP under its own address.
call_method = importlib.import_module("b24pysdk.api.callers.call_method")
call_method._MethodCaller._base_url = property(lambda self: f"{emu}/{self._domain}/rest")
BitrixOAuthRequester._OAUTH_TOKEN_URL = f"{emu}/oauth/token/"

flush = b24ops_calls.install(os.environ["B24OPS"], os.environ["TOKEN"],
                             member_id=lambda domain: os.environ["MEMBER_ID"])
token = BitrixToken(domain=os.environ["DOMAIN"], auth_token=os.environ["ACCESS"],
                    refresh_token=os.environ["REFRESH"],
                    bitrix_app=BitrixApp(client_id=os.environ["CLIENT_ID"],
                                         client_secret=os.environ["CLIENT_SECRET"]))
made = 0
for method in ["profile", "profile", "no.such.method", "user.current"]:
    try:
        token.call_method(method)
    except BitrixAPIError as e:
        print("failed as expected:", method, type(e).__name__, file=sys.stderr)
    made += 1
flush(5.0)
print(json.dumps({"made": made, **b24ops_calls.stats()}))
