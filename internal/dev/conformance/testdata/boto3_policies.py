"""Drive vpid's policy, template, schema and tag operations with boto3 and
print what it saw, as one JSON object.

Run by boto3_policies_test.go with VPID_ENDPOINT and the PHOTO_* statements
set; the Go test asserts on the output.
"""
import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


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
            "fieldPaths": sorted({f["path"] for f in e.response.get("fieldList", [])}),
            "resourceType": e.response.get("resourceType"),
        }
    return None


def main():
    schema = os.environ["PHOTO_SCHEMA"]
    static = os.environ["PHOTO_STATIC"]
    template = os.environ["PHOTO_TEMPLATE"]
    vp = client()
    out = {}
    ps = vp.create_policy_store(validationSettings={"mode": "STRICT"})
    sid = ps["policyStoreId"]
    out["namespaces"] = vp.put_schema(policyStoreId=sid, definition={"cedarJson": schema})["namespaces"]
    t = vp.create_policy_template(policyStoreId=sid, statement=template, description="viewers")
    linked = vp.create_policy(policyStoreId=sid, definition={"templateLinked": {
        "policyTemplateId": t["policyTemplateId"],
        "principal": {"entityType": "PhotoApp::User", "entityId": "bob"},
        "resource": {"entityType": "PhotoApp::Photo", "entityId": "p1"}}})
    out["linkedType"] = linked["policyType"]
    st = vp.create_policy(policyStoreId=sid, name="name/alice", definition={"static": {"statement": static, "description": "d"}})
    out["staticActions"] = st["actions"]
    out["createdDateType"] = type(st["createdDate"]).__name__
    got = vp.get_policy(policyStoreId=sid, policyId="name/alice")
    out["getDefinition"] = got["definition"]
    pages = vp.get_paginator("list_policies").paginate(policyStoreId=sid, PaginationConfig={"PageSize": 1})
    items = [p for page in pages for p in page["policies"]]
    out["listed"] = sorted(p["policyType"] for p in items)
    out["staticListItem"] = [p["definition"] for p in items if p["policyType"] == "STATIC"][0]
    tpages = vp.get_paginator("list_policy_templates").paginate(policyStoreId=sid)
    out["templates"] = [x["description"] for page in tpages for x in page["policyTemplates"]]
    bg = vp.batch_get_policy(requests=[{"policyStoreId": sid, "policyId": st["policyId"]},
                                       {"policyStoreId": "PSmissing", "policyId": "x"}])
    out["batch"] = {"results": len(bg["results"]), "errors": [e["code"] for e in bg["errors"]]}
    vp.tag_resource(resourceArn=ps["arn"], tags={"team": "photos", "env": "dev"})
    vp.untag_resource(resourceArn=ps["arn"], tagKeys=["env"])
    out["tags"] = vp.list_tags_for_resource(resourceArn=ps["arn"])["tags"]
    out["errors"] = {
        "strictReason": error(lambda: vp.create_policy(policyStoreId=sid, definition={"static": {
            "statement": 'permit(principal == PhotoApp::Ghost::"x", action, resource);'}})),
        "missingSchemaStore": error(lambda: vp.get_schema(policyStoreId="PSmissing")),
        "templateScope": error(lambda: vp.update_policy_template(policyStoreId=sid, policyTemplateId=t["policyTemplateId"],
                                                                 statement=template.replace("permit", "forbid"))),
        "linkedUpdate": error(lambda: vp.update_policy(policyStoreId=sid, policyId=linked["policyId"],
                                                       definition={"static": {"statement": static}})),
    }
    vp.delete_policy_template(policyStoreId=sid, policyTemplateId=t["policyTemplateId"])
    out["afterTemplateDelete"] = sorted(p["policyType"] for p in vp.list_policies(policyStoreId=sid)["policies"])
    vp.delete_policy_store(policyStoreId=sid)
    out["storeGone"] = error(lambda: vp.list_policies(policyStoreId=sid))
    print(json.dumps(out))


main()
