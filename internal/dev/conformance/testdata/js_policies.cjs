// Drive vpid with the AWS SDK for JavaScript v3 and print what it saw, as
// one JSON object. Run by js_test.go with VPID_ENDPOINT set and NODE_PATH
// at the pinned tools' node_modules; the Go test asserts on the output.
const vp = require("@aws-sdk/client-verifiedpermissions");

const schema = process.env.PHOTO_SCHEMA;
const staticStmt = process.env.PHOTO_STATIC;
const templateStmt = process.env.PHOTO_TEMPLATE;

async function error(p) {
  try {
    await p;
  } catch (e) {
    return {
      name: e.name,
      status: e.$metadata && e.$metadata.httpStatusCode,
      fieldPaths: (e.fieldList || []).map((f) => f.path),
      resourceType: e.resourceType || null,
    };
  }
  return null;
}

async function main() {
  const c = new vp.VerifiedPermissionsClient({
    endpoint: process.env.VPID_ENDPOINT,
    region: "us-west-2",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
  });
  const out = {};
  const ps = await c.send(new vp.CreatePolicyStoreCommand({ validationSettings: { mode: "STRICT" } }));
  const id = ps.policyStoreId;
  const put = await c.send(new vp.PutSchemaCommand({ policyStoreId: id, definition: { cedarJson: schema } }));
  out.namespaces = put.namespaces;
  out.createdDateIsDate = put.createdDate instanceof Date;
  const t = await c.send(new vp.CreatePolicyTemplateCommand({ policyStoreId: id, statement: templateStmt, name: "name/viewers" }));
  const linked = await c.send(new vp.CreatePolicyCommand({
    policyStoreId: id,
    definition: { templateLinked: { policyTemplateId: t.policyTemplateId,
      principal: { entityType: "PhotoApp::User", entityId: "bob" },
      resource: { entityType: "PhotoApp::Photo", entityId: "p1" } } },
  }));
  out.linked = { policyType: linked.policyType, effect: linked.effect, principal: linked.principal };
  const st = await c.send(new vp.CreatePolicyCommand({ policyStoreId: id, name: "name/alice", definition: { static: { statement: staticStmt } } }));
  const got = await c.send(new vp.GetPolicyCommand({ policyStoreId: id, policyId: "name/alice" }));
  out.getStatement = got.definition.static.statement;
  out.sameId = got.policyId === st.policyId;
  const ids = [];
  for await (const page of vp.paginateListPolicies({ client: c, pageSize: 1 }, { policyStoreId: id })) {
    for (const p of page.policies) ids.push(p.policyId);
  }
  out.listed = ids.length;
  const templates = [];
  for await (const page of vp.paginateListPolicyTemplates({ client: c }, { policyStoreId: id })) {
    for (const x of page.policyTemplates) templates.push(x.name);
  }
  out.templates = templates;
  const upd = await c.send(new vp.UpdatePolicyCommand({ policyStoreId: id, policyId: st.policyId,
    definition: { static: { statement: staticStmt.replace('"view"', '"edit"') } } }));
  out.updatedAction = upd.actions[0].actionId;
  const bg = await c.send(new vp.BatchGetPolicyCommand({ requests: [
    { policyStoreId: id, policyId: st.policyId }, { policyStoreId: id, policyId: "nope" } ] }));
  out.batch = { results: bg.results.length, errors: bg.errors.map((e) => e.code) };
  await c.send(new vp.TagResourceCommand({ resourceArn: ps.arn, tags: { team: "photos" } }));
  out.tags = (await c.send(new vp.ListTagsForResourceCommand({ resourceArn: ps.arn }))).tags;
  await c.send(new vp.UntagResourceCommand({ resourceArn: ps.arn, tagKeys: ["team"] }));
  const gs = await c.send(new vp.GetSchemaCommand({ policyStoreId: id }));
  out.schemaAsPut = gs.schema === schema;
  // One tag kept, so that 50 more fit a request but not the store.
  await c.send(new vp.TagResourceCommand({ resourceArn: ps.arn, tags: { kept: "1" } }));
  out.errors = {
    badStatement: await error(c.send(new vp.CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: "permit(" } } }))),
    nameTaken: await error(c.send(new vp.CreatePolicyCommand({ policyStoreId: id, name: "name/alice", definition: { static: { statement: staticStmt } } }))),
    tooLarge: await error(c.send(new vp.CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: staticStmt + " // " + "é".repeat(5000) } } }))),
    missingPolicy: await error(c.send(new vp.GetPolicyCommand({ policyStoreId: id, policyId: "nope" }))),
    missingTemplate: await error(c.send(new vp.GetPolicyTemplateCommand({ policyStoreId: id, policyTemplateId: "nope" }))),
    scopeChange: await error(c.send(new vp.UpdatePolicyCommand({ policyStoreId: id, policyId: st.policyId,
      definition: { static: { statement: staticStmt.replace("alice", "bob") } } }))),
    tooManyTags: await error(c.send(new vp.TagResourceCommand({ resourceArn: ps.arn,
      tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => ["k" + i, "v"])) }))),
  };
  await c.send(new vp.DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: t.policyTemplateId }));
  out.linkedAfterTemplateDeleted = await error(c.send(new vp.GetPolicyCommand({ policyStoreId: id, policyId: linked.policyId })));
  await c.send(new vp.DeletePolicyCommand({ policyStoreId: id, policyId: st.policyId }));
  await c.send(new vp.DeletePolicyCommand({ policyStoreId: id, policyId: st.policyId }));
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
