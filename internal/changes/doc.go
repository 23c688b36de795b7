// Package changes turns the vpid table's DynamoDB stream into change events
// on Amazon EventBridge: every identity source and policy store that is
// created, updated or deleted becomes one event, published by the publisher
// function ([Handler]) after the write has committed. Because the stream,
// not the request path, drives publishing, an API call that succeeded is
// never left without its event: a failed publish is retried from the
// stream (see Delivery).
//
// # Which records become events
//
// The stream must carry NEW_AND_OLD_IMAGES. Items are told apart and decoded
// by internal/store, which owns the item layout: by their type
// (store.KindOf), or in a record without images by their key
// (store.KindOfKey):
//
//	item                  INSERT                    MODIFY                          REMOVE
//	IdentitySource        IdentitySource Created    IdentitySource Updated (1)      IdentitySource Deleted
//	PolicyStore           PolicyStore Created       PolicyStore Updated (2)         PolicyStore Deleted
//	Policy                Policy Created            Policy Updated (3)              Policy Deleted
//	PolicyTemplate        PolicyTemplate Created    PolicyTemplate Updated (3)      PolicyTemplate Deleted
//	Schema                Schema Created            Schema Updated (3)              Schema Deleted
//	PolicyStoreAlias      -                         -                               -
//	PolicyName, PolicyTemplateName -                -                               -
//	IdempotencyToken      -                         -                               -
//	page-token key, other -                         -                               -
//
// (1) only when principalEntityType, configuration or lastUpdatedDate
// changed. (2) only when validationMode, description, deletionProtection or
// lastUpdatedDate changed: the store item's bookkeeping (identitySourceId,
// set while the store has an identity source, the aliases set, the Cedar
// version and template count, the mark of a deletion in progress) changes
// with other operations, which are not store updates. (3) only when
// something the event shows changed.
//
// The detail of a Policy event has policyId and, in "policy"/"previous",
// policyType, name, effect, principal, resource, actions (a static
// policy's; a template-linked policy's come from its template and are left
// out), definition (as GetPolicy answers) and the dates. A PolicyTemplate
// event has policyTemplateId and name, statement, description and dates; a
// Schema event the namespaces and dates (not the schema text, which may be
// 100,000 bytes). Deleting a template deletes its linked policies, and
// deleting a store its policies, templates and schema: each yields its own
// Deleted event. Sample: events/streams/policy-changes.json.
//
// Deleting a policy store deletes its identity source in the same
// transaction, so that case yields both an IdentitySource Deleted and a
// PolicyStore Deleted event. DynamoDB orders stream records per item only;
// consumers must not rely on the order of events about different items.
//
// # Events
//
// Every event has source "vpid" (bus.Source), one of the detail-types above
// and, in resources, the ARN of the policy store concerned
// (arn:<partition>:verifiedpermissions::<account>:policy-store/<id>, the
// partition taken from the stream's ARN for identity-source events). Times
// are RFC 3339 in UTC with microseconds, as in the API. The detail of an
// identity-source event:
//
//	{
//	  "eventId":          "<the stream record's eventID>",
//	  "account":          "123456789012",
//	  "policyStoreId":    "PSEXAMPLEabcdefg111111",
//	  "identitySourceId": "ISEXAMPLEabcdefg111111",
//	  "eventTime":        "2026-11-25T18:29:41.654438Z",
//	  "identitySource": {
//	    "principalEntityType": "MyApp::User",
//	    "configuration": {"cognitoUserPoolConfiguration": {"userPoolArn": "arn:aws:cognito-idp:...", "clientIds": ["..."]}},
//	    "createdDate":     "2026-11-25T18:20:00.000000Z",
//	    "lastUpdatedDate": "2026-11-25T18:29:41.654438Z"
//	  },
//	  "previous": { ...the same shape, the state before... }
//	}
//
// and of a policy-store event:
//
//	{
//	  "eventId":       "<the stream record's eventID>",
//	  "account":       "123456789012",
//	  "policyStoreId": "PSEXAMPLEabcdefg111111",
//	  "eventTime":     "2026-11-25T18:29:41.654438Z",
//	  "policyStore": {
//	    "arn":                "arn:aws:verifiedpermissions::123456789012:policy-store/PSEXAMPLEabcdefg111111",
//	    "validationSettings": {"mode": "STRICT"},
//	    "description":        "omitted when the store has none",
//	    "deletionProtection": "DISABLED",
//	    "createdDate":        "2026-11-25T18:20:00.000000Z",
//	    "lastUpdatedDate":    "2026-11-25T18:29:41.654438Z"
//	  },
//	  "previous": { ...the same shape, the state before... }
//	}
//
// "identitySource" / "policyStore" is the new state, present on Created and
// Updated, absent on Deleted; "previous" is the old state, present on
// Updated and Deleted, absent on Created. "configuration" is the identity
// source's configuration in the shape CreateIdentitySource takes (exactly
// one of cognitoUserPoolConfiguration or openIdConnectConfiguration).
// "eventTime" is the new lastUpdatedDate on Created and Updated and, on
// Deleted, the stream record's approximate creation time (whole seconds).
// "account" is the account that owns the resource (the API's caller), which
// may differ from the envelope's account (the bus owner's).
//
// An event that would not fit in a PutEvents call (256 KB) is published in
// its reduced form: the same detail without "identitySource" /
// "policyStore" and "previous", with "reduced": true. The detail-type says
// what happened and the resources hold the policy store's ARN; read the
// current state with GetIdentitySource or GetPolicyStore.
//
// # Delivery
//
// At least once. Events are put in stream order, at most 10 and 256 KB per
// PutEvents call; the handler stops at the first event EventBridge did not accept and
// reports that record's sequence number, so Lambda retries from it. Events
// that shared the failed call and came after the failed one were accepted
// and are put again by the retry: "eventId" is the same on every copy, so
// consumers can drop repeats, and the last copies are in stream order.
// EventBridge itself does not promise delivery order to targets; order by
// eventTime (or lastUpdatedDate) when it matters.
package changes
