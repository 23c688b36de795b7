"""Drive vpid's list operations with boto3's paginators, and provoke
InvalidStateException and ConflictException; print what boto3 saw as one
JSON object.

Run by boto3_api_test.go with VPID_ENDPOINT set; the Go test asserts on the
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
STORES_ACCOUNT = "555555555555"


def client(key_id):
    return boto3.client(
        "verifiedpermissions",
        endpoint_url=os.environ["VPID_ENDPOINT"],
        region_name="us-west-2",
        aws_access_key_id=key_id,
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def error(vp, call):
    """Record the error a call raised (None if it succeeded)."""
    try:
        call()
    except ClientError as e:
        err = e.response["Error"]
        modeled = getattr(vp.exceptions, err.get("Code") or "", None)
        return {
            "code": err.get("Code"),
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "modeledClass": bool(modeled and isinstance(e, modeled)),
            "hasMessage": bool(err.get("Message")),
            "resources": e.response.get("resources"),
        }
    return None


def walk(paginator, result_key, id_key, **kwargs):
    """Walk every page; record the page sizes and the ids in order."""
    sizes, ids = [], []
    for page in paginator.paginate(**kwargs):
        sizes.append(len(page[result_key]))
        ids.extend(item[id_key] for item in page[result_key])
    return {"pageSizes": sizes, "ids": ids}


def main():
    out = {}

    # Seven policy stores in an account of their own, oldest first.
    stores = client(STORES_ACCOUNT)
    created = [stores.create_policy_store(validationSettings={"mode": "OFF"})["policyStoreId"] for _ in range(7)]
    out["createdStores"] = created
    p = stores.get_paginator("list_policy_stores")
    out["storesByTwo"] = walk(p, "policyStores", "policyStoreId", PaginationConfig={"PageSize": 2})
    out["storesDefault"] = walk(p, "policyStores", "policyStoreId")
    # MaxItems cuts the result and hands back a NextToken to resume from.
    first = p.paginate(PaginationConfig={"PageSize": 2, "MaxItems": 3}).build_full_result()
    rest = p.paginate(PaginationConfig={"PageSize": 2, "StartingToken": first.get("NextToken")}).build_full_result()
    out["storesResumed"] = {
        "first": [s["policyStoreId"] for s in first["policyStores"]],
        "hasNextToken": "NextToken" in first,
        "rest": [s["policyStoreId"] for s in rest["policyStores"]],
    }

    # Identity sources: one store with one, one without.
    vp = client("AKIDEXAMPLE")
    with_source = vp.create_policy_store(validationSettings={"mode": "OFF"})["policyStoreId"]
    without = vp.create_policy_store(validationSettings={"mode": "OFF"})["policyStoreId"]
    cfg = {"cognitoUserPoolConfiguration": {"userPoolArn": SEED_ARN, "clientIds": [SEED_CLIENT]}}
    source = vp.create_identity_source(policyStoreId=with_source, configuration=cfg, principalEntityType="MyCorp::User")
    out["createdIdentitySource"] = source["identitySourceId"]
    p = vp.get_paginator("list_identity_sources")
    out["identitySources"] = walk(p, "identitySources", "identitySourceId",
                                  policyStoreId=with_source, PaginationConfig={"PageSize": 1})
    out["identitySourcesFiltered"] = walk(p, "identitySources", "identitySourceId", policyStoreId=with_source,
                                          filters=[{"principalEntityType": "Other"}, {"principalEntityType": "MyCorp::User"}])
    out["identitySourcesNoMatch"] = walk(p, "identitySources", "identitySourceId", policyStoreId=with_source,
                                         filters=[{"principalEntityType": "Other"}])
    out["identitySourcesEmpty"] = walk(p, "identitySources", "identitySourceId", policyStoreId=without)

    # Aliases, by name.
    for name in ["policy-store-alias/c", "policy-store-alias/a", "policy-store-alias/b"]:
        vp.create_policy_store_alias(aliasName=name, policyStoreId=with_source)
    out["aliases"] = walk(vp.get_paginator("list_policy_store_aliases"), "policyStoreAliases", "aliasName",
                          PaginationConfig={"PageSize": 2})

    # Errors.
    protected = vp.create_policy_store(validationSettings={"mode": "OFF"}, deletionProtection="ENABLED")["policyStoreId"]
    out["errors"] = {
        "deleteProtected": error(vp, lambda: vp.delete_policy_store(policyStoreId=protected)),
        "duplicateAlias": error(vp, lambda: vp.create_policy_store_alias(aliasName="policy-store-alias/a", policyStoreId=without)),
    }
    out["tokenStore"] = vp.create_policy_store(validationSettings={"mode": "OFF"}, clientToken="boto3-token")["policyStoreId"]
    out["errors"]["tokenReuse"] = error(
        vp, lambda: vp.create_policy_store(validationSettings={"mode": "STRICT"}, clientToken="boto3-token"))
    out["protectedStillThere"] = vp.get_policy_store(policyStoreId=protected)["policyStoreId"] == protected
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
