"""Drive IsAuthorizedWithToken with boto3 and print what it saw, as one JSON object.

Run by token_e2e_test.go with VPID_ENDPOINT set and, on stdin, the policy
store and the calls to make ({"policyStoreId": ..., "calls": [{"identityToken",
"accessToken", "action", "resource"}]}). It only records the answers (or
boto3's error), in call order; the Go test decides pass/fail.
"""
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main():
    spec = json.load(sys.stdin)
    c = boto3.client(
        "verifiedpermissions",
        endpoint_url=os.environ["VPID_ENDPOINT"],
        region_name="us-west-2",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )
    answers = []
    for call in spec["calls"]:
        kwargs = {
            "policyStoreId": spec["policyStoreId"],
            "action": {"actionType": "MyCorp::Action", "actionId": call["action"]},
            "resource": {"entityType": "MyCorp::Doc", "entityId": call["resource"]},
        }
        if call["identityToken"]:
            kwargs["identityToken"] = call["identityToken"]
        if call["accessToken"]:
            kwargs["accessToken"] = call["accessToken"]
        try:
            out = c.is_authorized_with_token(**kwargs)
        except ClientError as e:
            answers.append({
                "code": e.response["Error"].get("Code"),
                "message": e.response["Error"].get("Message"),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            })
            continue
        out.pop("ResponseMetadata", None)
        answers.append(out)
    json.dump({"answers": answers}, sys.stdout)


main()
