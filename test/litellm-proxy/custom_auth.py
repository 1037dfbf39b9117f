"""Per-key identity for the test proxy: the custom_auth a deployment without Postgres uses."""

import json
import os

from litellm.proxy._types import UserAPIKeyAuth

# key -> {"team_id", "user_id", "org_id"}, given by the test so it knows what to expect.
IDENTITIES = json.loads(os.environ["DG_TEST_IDENTITIES"])


async def user_api_key_auth(request, api_key):
    identity = IDENTITIES.get(api_key)
    if identity is None:
        raise Exception("unknown API key")
    return UserAPIKeyAuth(api_key=api_key, **identity)
