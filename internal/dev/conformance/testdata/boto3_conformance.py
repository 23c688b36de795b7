"""Drive vpid with boto3 and print what it saw, as one JSON object.

Run by boto3_test.go with VPID_ENDPOINT set; the Go test asserts on the
output, so this script only records outcomes and never decides pass/fail.
"""
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SEED_ARN = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"
SEED_CLIENT = "a1b2c3d4e5f6g7h8i9j0kalbmc"


def client():
    return boto3.client(
        "verifiedpermissions",
        endpoint_url=os.environ["VPID_ENDPOINT"],
        region_name="us-west-2",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def error(call):
    try:
        call()
    except ClientError as e:
        err = e.response["Error"]
        return {
            "code": err.get("Code"),
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "requestId": bool(e.response["ResponseMetadata"].get("RequestId")),
            "fieldPaths": [f["path"] for f in e.response.get("fieldList", [])],
            "resourceType": e.response.get("resourceType"),
        }
    return None


def main():
    vp = client()
    out = {}
    ps = vp.create_policy_store(validationSettings={"mode": "OFF"})
    out["policyStoreArn"] = ps["arn"]
    cfg = {"cognitoUserPoolConfiguration": {"userPoolArn": SEED_ARN, "clientIds": [SEED_CLIENT]}}
    created = vp.create_identity_source(policyStoreId=ps["policyStoreId"], configuration=cfg, principalEntityType="User")
    out["createdKeys"] = sorted(k for k in created if k != "ResponseMetadata")
    out["createdDateType"] = type(created["createdDate"]).__name__
    got = vp.get_identity_source(policyStoreId=ps["policyStoreId"], identitySourceId=created["identitySourceId"])
    out["issuer"] = got["configuration"]["cognitoUserPoolConfiguration"]["issuer"]
    out["sameCreatedDate"] = got["createdDate"] == created["createdDate"]
    out["errors"] = {
        "quota": error(lambda: vp.create_identity_source(policyStoreId=ps["policyStoreId"], configuration=cfg)),
        "missingStore": error(lambda: vp.create_identity_source(policyStoreId="PSdoesnotexist00000000", configuration=cfg)),
        "badArn": error(lambda: vp.create_identity_source(
            policyStoreId=ps["policyStoreId"],
            configuration={"cognitoUserPoolConfiguration": {"userPoolArn": "arn:aws:cognito-idp:us-west-2:1:userpool/x"}})),
        "missingIdentitySource": error(lambda: vp.get_identity_source(
            policyStoreId=ps["policyStoreId"], identitySourceId="ISdoesnotexist00000000")),
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
