"""Sends the test's requests to the proxy with the clients people use, one at a time.

Reads {"base_url", "forwarded_for", "cases": [{"name", "key", "api", "body"}]} on stdin and
prints one JSON line per case: its name, the HTTP status the client saw and how long it took.
"""

import json
import sys
import time

import httpx
import openai


def run(base_url, forwarded_for, case):
    headers = {"X-Forwarded-For": forwarded_for}
    body = case["body"]
    if case["api"] == "messages":
        response = httpx.post(
            f"{base_url}/v1/messages",
            json=body,
            headers={**headers, "x-api-key": case["key"], "anthropic-version": "2023-06-01"},
            timeout=30,
        )
        return response.status_code
    # No retries: the test counts one log record per request, a 429 included.
    client = openai.OpenAI(
        base_url=f"{base_url}/v1",
        api_key=case["key"],
        default_headers=headers,
        max_retries=0,
        timeout=30,
    )
    try:
        if case["api"] == "responses":
            client.responses.create(**body)
        elif body.get("stream"):
            for _ in client.chat.completions.create(**body):
                pass
        else:
            client.chat.completions.create(**body)
    except openai.APIStatusError as e:
        return e.status_code
    return 200


def main():
    spec = json.load(sys.stdin)
    for case in spec["cases"]:
        started = time.monotonic()
        status = run(spec["base_url"], spec["forwarded_for"], case)
        ms = round((time.monotonic() - started) * 1000)
        print(json.dumps({"name": case["name"], "status": status, "ms": ms}), flush=True)


if __name__ == "__main__":
    main()
