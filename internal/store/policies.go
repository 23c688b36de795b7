package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

var _ avp.Policies = (*Store)(nil)

// maxTransactItems is DynamoDB's bound on the items of one transaction.
const maxTransactItems = 100

// storeLive is the condition under which a store's Cedar half may change:
// the store exists and its deletion has not begun.
const storeLive = "attribute_exists(pk) AND attribute_not_exists(deleting)"

func num(n int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }

// bump is the transaction item that increments the store's Cedar version,
// on the condition that the store is live; extra adds to its ADD clause.
func (s *Store) bump(account, psID, extra string, vals map[string]types.AttributeValue) types.TransactWriteItem {
	v := map[string]types.AttributeValue{":one": num(1)}
	maps.Copy(v, vals)
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(storePK(account, psID), skStore),
		ConditionExpression:                 aws.String(storeLive),
		UpdateExpression:                    aws.String("ADD cedarVersion :one" + extra),
		ExpressionAttributeValues:           v,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func storeMissing(psID string) error { return avp.NotFound(avp.ResourcePolicyStore, psID) }

// live reports whether a returned store item is a store not being deleted.
func live(item map[string]types.AttributeValue) bool {
	_, deleting := item["deleting"]
	return item != nil && !deleting
}

func (s *Store) putItem(item any, condition string) (types.TransactWriteItem, error) {
	p, err := s.put(item, condition)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: p}, nil
}

func (s *Store) deleteItem(pk, sk, condition string) types.TransactWriteItem {
	d := &types.Delete{TableName: aws.String(s.table), Key: key(pk, sk)}
	if condition != "" {
		d.ConditionExpression = aws.String(condition)
	}
	return types.TransactWriteItem{Delete: d}
}

// resize is the transaction item that adds n bytes (negative: removes) to
// a resource's policy total; an increase is conditioned on the total
// staying within avp.MaxPolicyBytesPerResource.
func (s *Store) resize(account, psID, resource string, n int) types.TransactWriteItem {
	u := &types.Update{
		TableName: aws.String(s.table), Key: key(storePK(account, psID), resourceSizeSK(resource)),
		UpdateExpression:         aws.String("SET #t = :t, #a = :a, #ps = :ps, #r = :r ADD #b :n"),
		ExpressionAttributeNames: map[string]string{"#t": "type", "#a": "account", "#ps": "policyStoreId", "#r": "resource", "#b": "bytes"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": str(typeResourceSize), ":a": str(account), ":ps": str(psID), ":r": str(resource), ":n": num(n),
		},
	}
	if n > 0 {
		u.ConditionExpression = aws.String("attribute_not_exists(#b) OR #b <= :room")
		u.ExpressionAttributeValues[":room"] = num(avp.MaxPolicyBytesPerResource - n)
	}
	return types.TransactWriteItem{Update: u}
}

// CreatePolicy implements avp.Policies with one transaction: bump the
// store's version, put the policy and its name, check its template, and
// put the idempotency record.
func (s *Store) CreatePolicy(ctx context.Context, account string, p avp.Policy, rec *avp.IdempotencyRecord) error {
	pk := storePK(account, p.PolicyStoreID)
	put, err := s.putItem(toPolicyItem(account, p), "attribute_not_exists(pk)")
	if err != nil {
		return err
	}
	sizeKey, sizeBytes := avp.PolicyWeight(p)
	items := []types.TransactWriteItem{s.bump(account, p.PolicyStoreID, "", nil), put, s.resize(account, p.PolicyStoreID, sizeKey, sizeBytes)}
	nameAt, templateAt, tokenAt := -1, -1, -1
	if p.Name != "" {
		np, err := s.putItem(toNameItem(account, p.PolicyStoreID, typePolicyName, p.Name, p.PolicyID), "attribute_not_exists(pk)")
		if err != nil {
			return err
		}
		nameAt, items = len(items), append(items, np)
	}
	if p.PolicyTemplateID != "" {
		templateAt, items = len(items), append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: key(pk, templateSK(p.PolicyTemplateID)),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}})
	}
	if rec != nil {
		tp, err := s.tokenPut(account, *rec)
		if err != nil {
			return err
		}
		tokenAt, items = len(items), append(items, types.TransactWriteItem{Put: tp})
	}
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return fmt.Errorf("store: create policy in %s: %w", p.PolicyStoreID, err)
	case reasons == nil:
		return nil
	case tokenAt >= 0 && failed(reasons[tokenAt]):
		return s.tokenUsed(ctx, account, *rec, reasons[tokenAt])
	case failed(reasons[0]):
		return storeMissing(p.PolicyStoreID)
	case templateAt >= 0 && failed(reasons[templateAt]):
		return avp.NotFound(avp.ResourcePolicyTemplate, p.PolicyTemplateID)
	case nameAt >= 0 && failed(reasons[nameAt]):
		return fmt.Errorf("store: policy name %s: %w", p.Name, avp.ErrNameTaken)
	case failed(reasons[2]):
		return fmt.Errorf("store: policies of resource %s: %w", sizeKey, avp.ErrQuotaExceeded)
	}
	return fmt.Errorf("store: create policy %s: %w", p.PolicyID, avp.ErrConflict)
}

// resolveName returns the id a name item maps to; ids pass through.
func (s *Store) resolveName(ctx context.Context, account, psID, ref string, template bool) (string, error) {
	if !strings.HasPrefix(ref, avp.NamePrefix) {
		return ref, nil
	}
	sk := policyNameSK(ref)
	if template {
		sk = templateNameSK(ref)
	}
	var it nameItem
	if err := s.get(ctx, storePK(account, psID), sk, &it); err != nil {
		return "", err
	}
	return it.TargetID, nil
}

// GetPolicy implements avp.Policies.
func (s *Store) GetPolicy(ctx context.Context, account, psID, ref string) (avp.Policy, error) {
	id, err := s.resolveName(ctx, account, psID, ref, false)
	if err != nil {
		return avp.Policy{}, fmt.Errorf("store: get policy %s: %w", ref, err)
	}
	var it policyItem
	if err := s.get(ctx, storePK(account, psID), policySK(id), &it); err != nil {
		return avp.Policy{}, fmt.Errorf("store: get policy %s: %w", ref, err)
	}
	return it.domain()
}

// liveStore reads the store item; a store being deleted is missing.
func (s *Store) liveStore(ctx context.Context, account, psID string) (policyStoreItem, error) {
	var it policyStoreItem
	err := s.get(ctx, storePK(account, psID), skStore, &it)
	if err == nil && it.Deleting {
		err = avp.ErrNotFound
	}
	if errors.Is(err, avp.ErrNotFound) {
		return it, storeMissing(psID)
	}
	return it, err
}

// queryPrefix calls fn with every item of the store's partition whose sort
// key starts with prefix and sorts after start, in sort key order, until
// fn returns false.
func (s *Store) queryPrefix(ctx context.Context, account, psID, prefix, start string, projection []string, fn func(raw map[string]types.AttributeValue) (bool, error)) error {
	pk := storePK(account, psID)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ConsistentRead:            aws.Bool(true),
	}
	if prefix != "" {
		in.KeyConditionExpression = aws.String("pk = :pk AND begins_with(sk, :p)")
		in.ExpressionAttributeValues[":p"] = str(prefix)
	}
	if len(projection) > 0 {
		in.ExpressionAttributeNames = map[string]string{}
		names := make([]string, len(projection))
		for i, a := range projection {
			names[i] = "#p" + strconv.Itoa(i)
			in.ExpressionAttributeNames[names[i]] = a
		}
		in.ProjectionExpression = aws.String(strings.Join(names, ", "))
	}
	if start != "" {
		in.ExclusiveStartKey = key(pk, start)
	}
	p := dynamodb.NewQueryPaginator(s.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return classify(err)
		}
		for _, raw := range page.Items {
			more, err := fn(raw)
			if err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// ListPolicies implements avp.Policies: a Query of the store's policies
// after the cursor (a policy id), in pages, until limit+1 are kept.
func (s *Store) ListPolicies(ctx context.Context, account, psID string, templates map[string]avp.PolicyTemplate, limit int, cursor []byte, keep func(avp.Policy) bool) ([]avp.Policy, []byte, error) {
	if _, err := s.liveStore(ctx, account, psID); err != nil {
		return nil, nil, err
	}
	start := ""
	if cursor != nil {
		start = policySK(string(cursor))
	}
	var out []avp.Policy
	more := false
	err := s.queryPrefix(ctx, account, psID, prefixPolicy, start, nil, func(raw map[string]types.AttributeValue) (bool, error) {
		p, err := decodeItem[avp.Policy, policyItem](raw)
		if err != nil {
			return false, err
		}
		if p.PolicyType == avp.PolicyTypeTemplateLinked {
			t, ok := templates[p.PolicyTemplateID]
			if !ok {
				return true, nil // its template is being deleted with it
			}
			p.Resolve(t)
		}
		if !keep(p) {
			return true, nil
		}
		if len(out) == limit {
			more = true
			return false, nil
		}
		out = append(out, p)
		return true, nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: list policies of %s: %w", psID, err)
	}
	var next []byte
	if more {
		next = []byte(out[len(out)-1].PolicyID)
	}
	return out, next, nil
}

// renameItems are the transaction items that move a name from oldName to
// newName ("" for none).
func (s *Store) renameItems(account, psID, typ, oldName, newName, target string) ([]types.TransactWriteItem, int, error) {
	if oldName == newName {
		return nil, -1, nil
	}
	var items []types.TransactWriteItem
	at := -1
	pk := storePK(account, psID)
	if oldName != "" {
		sk := policyNameSK(oldName)
		if typ == typeTemplateName {
			sk = templateNameSK(oldName)
		}
		items = append(items, s.deleteItem(pk, sk, ""))
	}
	if newName != "" {
		np, err := s.putItem(toNameItem(account, psID, typ, newName, target), "attribute_not_exists(pk)")
		if err != nil {
			return nil, -1, err
		}
		at, items = len(items), append(items, np)
	}
	return items, at, nil
}

// UpdatePolicy implements avp.Policies with one transaction, conditioned on
// the policy being as read (its lastUpdatedDate), so that the change of its
// resource's total is exact.
func (s *Store) UpdatePolicy(ctx context.Context, account string, p, old avp.Policy) error {
	put, err := s.putItem(toPolicyItem(account, p), "lastUpdatedDate = :old")
	if err != nil {
		return err
	}
	put.Put.ExpressionAttributeValues = map[string]types.AttributeValue{":old": str(old.LastUpdatedDate.String())}
	put.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	items := []types.TransactWriteItem{s.bump(account, p.PolicyStoreID, "", nil), put}
	newKey, newBytes := avp.PolicyWeight(p)
	oldKey, oldBytes := avp.PolicyWeight(old)
	sizeAt := -1
	switch {
	case newKey != oldKey:
		items = append(items, s.resize(account, p.PolicyStoreID, oldKey, -oldBytes))
		sizeAt, items = len(items), append(items, s.resize(account, p.PolicyStoreID, newKey, newBytes))
	case newBytes != oldBytes:
		sizeAt, items = len(items), append(items, s.resize(account, p.PolicyStoreID, newKey, newBytes-oldBytes))
	}
	rename, nameAt, err := s.renameItems(account, p.PolicyStoreID, typePolicyName, old.Name, p.Name, p.PolicyID)
	if err != nil {
		return err
	}
	if nameAt >= 0 {
		nameAt += len(items)
	}
	items = append(items, rename...)
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return fmt.Errorf("store: update policy %s: %w", p.PolicyID, err)
	case reasons == nil:
		return nil
	case failed(reasons[0]):
		return storeMissing(p.PolicyStoreID)
	case failed(reasons[1]) && reasons[1].Item == nil:
		return fmt.Errorf("store: update policy %s: %w", p.PolicyID, avp.ErrNotFound)
	case failed(reasons[1]):
		return fmt.Errorf("store: update policy %s: changed since read: %w", p.PolicyID, avp.ErrConflict)
	case sizeAt >= 0 && failed(reasons[sizeAt]):
		return fmt.Errorf("store: policies of resource %s: %w", newKey, avp.ErrQuotaExceeded)
	case nameAt >= 0 && failed(reasons[nameAt]):
		return fmt.Errorf("store: policy name %s: %w", p.Name, avp.ErrNameTaken)
	}
	return fmt.Errorf("store: update policy %s: %w", p.PolicyID, avp.ErrConflict)
}

// DeletePolicy implements avp.Policies: read the policy for its name, then
// delete both in one transaction.
func (s *Store) DeletePolicy(ctx context.Context, account, psID, policyID string) error {
	id, err := s.resolveName(ctx, account, psID, policyID, false)
	if err != nil {
		return fmt.Errorf("store: delete policy %s: %w", policyID, err)
	}
	pk := storePK(account, psID)
	var p policyItem
	if err := s.get(ctx, pk, policySK(id), &p); err != nil {
		return fmt.Errorf("store: delete policy %s: %w", policyID, err)
	}
	del := s.deleteItem(pk, policySK(p.PolicyID), "lastUpdatedDate = :u")
	del.Delete.ExpressionAttributeValues = map[string]types.AttributeValue{":u": str(p.LastUpdatedDate)}
	items := []types.TransactWriteItem{s.bump(account, psID, "", nil), del}
	if p.SizeKey != "" {
		items = append(items, s.resize(account, psID, p.SizeKey, -p.SizeBytes))
	}
	if p.Name != "" {
		items = append(items, s.deleteItem(pk, policyNameSK(p.Name), ""))
	}
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return fmt.Errorf("store: delete policy %s: %w", policyID, err)
	case reasons == nil:
		return nil
	case failed(reasons[0]):
		return storeMissing(psID)
	case failed(reasons[1]):
		return fmt.Errorf("store: delete policy %s: %w", policyID, avp.ErrNotFound)
	}
	return fmt.Errorf("store: delete policy %s: %w", policyID, avp.ErrConflict)
}

// CreatePolicyTemplate implements avp.Policies with one transaction that
// also counts the store's templates.
func (s *Store) CreatePolicyTemplate(ctx context.Context, account string, t avp.PolicyTemplate, limit int, rec *avp.IdempotencyRecord) error {
	put, err := s.putItem(toTemplateItem(account, t), "attribute_not_exists(pk)")
	if err != nil {
		return err
	}
	b := s.bump(account, t.PolicyStoreID, ", templateCount :one", map[string]types.AttributeValue{":max": num(limit)})
	b.Update.ConditionExpression = aws.String(storeLive + " AND (attribute_not_exists(templateCount) OR templateCount < :max)")
	items := []types.TransactWriteItem{b, put}
	nameAt, tokenAt := -1, -1
	if t.Name != "" {
		np, err := s.putItem(toNameItem(account, t.PolicyStoreID, typeTemplateName, t.Name, t.PolicyTemplateID), "attribute_not_exists(pk)")
		if err != nil {
			return err
		}
		nameAt, items = len(items), append(items, np)
	}
	if rec != nil {
		tp, err := s.tokenPut(account, *rec)
		if err != nil {
			return err
		}
		tokenAt, items = len(items), append(items, types.TransactWriteItem{Put: tp})
	}
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return fmt.Errorf("store: create policy template in %s: %w", t.PolicyStoreID, err)
	case reasons == nil:
		return nil
	case tokenAt >= 0 && failed(reasons[tokenAt]):
		return s.tokenUsed(ctx, account, *rec, reasons[tokenAt])
	case failed(reasons[0]) && !live(reasons[0].Item):
		return storeMissing(t.PolicyStoreID)
	case failed(reasons[0]):
		return fmt.Errorf("store: policy templates of %s: %w", t.PolicyStoreID, avp.ErrQuotaExceeded)
	case nameAt >= 0 && failed(reasons[nameAt]):
		return fmt.Errorf("store: policy template name %s: %w", t.Name, avp.ErrNameTaken)
	}
	return fmt.Errorf("store: create policy template %s: %w", t.PolicyTemplateID, avp.ErrConflict)
}

// GetPolicyTemplate implements avp.Policies.
func (s *Store) GetPolicyTemplate(ctx context.Context, account, psID, ref string) (avp.PolicyTemplate, error) {
	id, err := s.resolveName(ctx, account, psID, ref, true)
	if err != nil {
		return avp.PolicyTemplate{}, fmt.Errorf("store: get policy template %s: %w", ref, err)
	}
	var it templateItem
	if err := s.get(ctx, storePK(account, psID), templateSK(id), &it); err != nil {
		return avp.PolicyTemplate{}, fmt.Errorf("store: get policy template %s: %w", ref, err)
	}
	return it.domain()
}

// ListPolicyTemplates implements avp.Policies.
func (s *Store) ListPolicyTemplates(ctx context.Context, account, psID string) ([]avp.PolicyTemplate, error) {
	if _, err := s.liveStore(ctx, account, psID); err != nil {
		return nil, err
	}
	var out []avp.PolicyTemplate
	err := s.queryPrefix(ctx, account, psID, prefixTemplate, "", nil, func(raw map[string]types.AttributeValue) (bool, error) {
		t, err := decodeItem[avp.PolicyTemplate, templateItem](raw)
		out = append(out, t)
		return err == nil, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list policy templates of %s: %w", psID, err)
	}
	return out, nil
}

// UpdatePolicyTemplate implements avp.Policies with one transaction; the
// linked policies read the template, so they follow it at once.
func (s *Store) UpdatePolicyTemplate(ctx context.Context, account string, t avp.PolicyTemplate, oldName string) error {
	put, err := s.putItem(toTemplateItem(account, t), "attribute_exists(pk)")
	if err != nil {
		return err
	}
	rename, nameAt, err := s.renameItems(account, t.PolicyStoreID, typeTemplateName, oldName, t.Name, t.PolicyTemplateID)
	if err != nil {
		return err
	}
	items := append([]types.TransactWriteItem{s.bump(account, t.PolicyStoreID, "", nil), put}, rename...)
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return fmt.Errorf("store: update policy template %s: %w", t.PolicyTemplateID, err)
	case reasons == nil:
		return nil
	case failed(reasons[0]):
		return storeMissing(t.PolicyStoreID)
	case failed(reasons[1]):
		return fmt.Errorf("store: update policy template %s: %w", t.PolicyTemplateID, avp.ErrNotFound)
	case nameAt >= 0 && failed(reasons[2+nameAt]):
		return fmt.Errorf("store: policy template name %s: %w", t.Name, avp.ErrNameTaken)
	}
	return fmt.Errorf("store: update policy template %s: %w", t.PolicyTemplateID, avp.ErrConflict)
}

// DeletePolicyTemplate implements avp.Policies. One transaction deletes
// the template and its name; from then on its linked policies read as
// absent (readers resolve them with their template), and they are deleted
// in batches after it. A retry of a deletion that stopped between the two
// finds the template gone and deletes what is left.
func (s *Store) DeletePolicyTemplate(ctx context.Context, account, psID, templateID string) error {
	pk := storePK(account, psID)
	var gone bool
	t, err := s.GetPolicyTemplate(ctx, account, psID, templateID)
	switch {
	case errors.Is(err, avp.ErrNotFound):
		gone = true
	case err != nil:
		return err
	default:
		items := []types.TransactWriteItem{
			s.bump(account, psID, "", nil),
			s.deleteItem(pk, templateSK(templateID), "attribute_exists(pk)"),
		}
		items[0].Update.UpdateExpression = aws.String("ADD cedarVersion :one, templateCount :minus")
		items[0].Update.ExpressionAttributeValues[":minus"] = num(-1)
		if t.Name != "" {
			items = append(items, s.deleteItem(pk, templateNameSK(t.Name), ""))
		}
		reasons, err := s.transact(ctx, items)
		switch {
		case err != nil:
			return fmt.Errorf("store: delete policy template %s: %w", templateID, err)
		case reasons == nil:
		case failed(reasons[0]):
			return storeMissing(psID)
		default:
			gone = true // deleted concurrently: sweep what it left
		}
	}
	n, err := s.sweep(ctx, account, psID, prefixPolicy, true, func(raw map[string]types.AttributeValue) bool {
		return attrs(raw).str("policyTemplateId") == templateID
	})
	if err != nil {
		return fmt.Errorf("store: delete policies linked to %s: %w", templateID, err)
	}
	if gone && n == 0 {
		return fmt.Errorf("store: delete policy template %s: %w", templateID, avp.ErrNotFound)
	}
	return nil
}

// sweep deletes the items of a store's partition whose sort key starts
// with prefix and that match (nil: all), with the name items of the
// policies among them when names is true, in transactions of at most
// maxTransactItems. It returns how many matched.
func (s *Store) sweep(ctx context.Context, account, psID, prefix string, names bool, match func(map[string]types.AttributeValue) bool) (int, error) {
	pk := storePK(account, psID)
	var batch []types.TransactWriteItem
	sizes := map[string]int{} // bytes to subtract per resource (names only)
	n := 0
	flush := func() error {
		for res, b := range sizes {
			batch = append(batch, s.resize(account, psID, res, -b))
		}
		clear(sizes)
		if len(batch) == 0 {
			return nil
		}
		// Unconditional deletes and decrements: a cancellation can only
		// be a conflict, which transact re-runs.
		if _, err := s.transact(ctx, batch); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	err := s.queryPrefix(ctx, account, psID, prefix, "", []string{AttrSK, "type", "name", "policyTemplateId", "sizeKey", "sizeBytes"}, func(raw map[string]types.AttributeValue) (bool, error) {
		if match != nil && !match(raw) {
			return true, nil
		}
		n++
		a := attrs(raw)
		batch = append(batch, s.deleteItem(pk, a.str(AttrSK), ""))
		if names && a.str("type") == typePolicy {
			if name := a.str("name"); name != "" {
				batch = append(batch, s.deleteItem(pk, policyNameSK(name), ""))
			}
			if k := a.str("sizeKey"); k != "" {
				var b int
				if v, ok := raw["sizeBytes"].(*types.AttributeValueMemberN); ok {
					b, _ = strconv.Atoi(v.Value)
				}
				sizes[k] += b
			}
		}
		// Room for this policy's items and one decrement per resource.
		if len(batch)+len(sizes) >= maxTransactItems-3 {
			return true, flush()
		}
		return true, nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}

// PutSchema implements avp.Policies with one transaction: bump the
// version and write the schema, keeping the createdDate of the one it
// replaces.
func (s *Store) PutSchema(ctx context.Context, account string, sc avp.Schema) (avp.Schema, error) {
	it := toSchemaItem(account, sc)
	ns, err := attributevalue.Marshal(it.Namespaces)
	if err != nil {
		return sc, fmt.Errorf("store: encode namespaces: %w", err)
	}
	items := []types.TransactWriteItem{
		s.bump(account, sc.PolicyStoreID, "", nil),
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(it.PK, it.SK),
			UpdateExpression: aws.String("SET #t = :t, #a = :a, #ps = :ps, #s = :s, #ns = :ns, " +
				"#c = if_not_exists(#c, :c), #u = :u"),
			ExpressionAttributeNames: map[string]string{
				"#t": "type", "#a": "account", "#ps": "policyStoreId", "#s": "schema", "#ns": "namespaces",
				"#c": "createdDate", "#u": "lastUpdatedDate",
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":t": str(typeSchema), ":a": str(account), ":ps": str(sc.PolicyStoreID), ":s": str(sc.Schema), ":ns": ns,
				":c": str(it.CreatedDate), ":u": str(it.LastUpdatedDate),
			},
		}},
	}
	reasons, err := s.transact(ctx, items)
	switch {
	case err != nil:
		return sc, fmt.Errorf("store: put schema of %s: %w", sc.PolicyStoreID, err)
	case reasons != nil && failed(reasons[0]):
		return sc, storeMissing(sc.PolicyStoreID)
	case reasons != nil:
		return sc, fmt.Errorf("store: put schema of %s: %w", sc.PolicyStoreID, avp.ErrConflict)
	}
	return s.GetSchema(ctx, account, sc.PolicyStoreID)
}

// GetSchema implements avp.Policies.
func (s *Store) GetSchema(ctx context.Context, account, psID string) (avp.Schema, error) {
	var it schemaItem
	if err := s.get(ctx, storePK(account, psID), skSchema, &it); err != nil {
		return avp.Schema{}, fmt.Errorf("store: get schema of %s: %w", psID, err)
	}
	return it.domain()
}

// TagPolicyStore implements avp.Policies: read the tags, then write the
// result on the condition that they did not change meanwhile.
func (s *Store) TagPolicyStore(ctx context.Context, account, psID string, add map[string]string, remove []string, limit int) error {
	for range s.conflictRetries + 1 {
		it, err := s.liveStore(ctx, account, psID)
		if err != nil {
			return fmt.Errorf("store: tag policy store %s: %w", psID, avp.ErrNotFound)
		}
		tags := maps.Clone(it.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, add)
		for _, k := range remove {
			delete(tags, k)
		}
		if len(tags) > limit {
			return fmt.Errorf("store: tag policy store %s: %d tags: %w", psID, len(tags), avp.ErrQuotaExceeded)
		}
		in := &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(storePK(account, psID), skStore),
			ExpressionAttributeValues: map[string]types.AttributeValue{},
		}
		cond := storeLive + " AND attribute_not_exists(tags)"
		if len(it.Tags) > 0 {
			old, err := attributevalue.Marshal(it.Tags)
			if err != nil {
				return fmt.Errorf("store: encode tags: %w", err)
			}
			cond = storeLive + " AND tags = :old"
			in.ExpressionAttributeValues[":old"] = old
		}
		in.ConditionExpression = aws.String(cond)
		if len(tags) == 0 {
			in.UpdateExpression = aws.String("REMOVE tags")
		} else {
			nv, err := attributevalue.Marshal(tags)
			if err != nil {
				return fmt.Errorf("store: encode tags: %w", err)
			}
			in.UpdateExpression = aws.String("SET tags = :new")
			in.ExpressionAttributeValues[":new"] = nv
		}
		if len(in.ExpressionAttributeValues) == 0 {
			in.ExpressionAttributeValues = nil
		}
		_, err = s.api.UpdateItem(ctx, in)
		switch {
		case err == nil:
			return nil
		case !isConditionFailed(err):
			return fmt.Errorf("store: tag policy store %s: %w", psID, classify(err))
		}
	}
	return fmt.Errorf("store: tag policy store %s: %w", psID, avp.ErrConflict)
}

// ReadCedar returns a store's complete Cedar half, and its identity
// source, with one consistent Query of its partition (paged by DynamoDB
// beyond 1 MB).
func (s *Store) ReadCedar(ctx context.Context, account, policyStoreID string) (avp.CedarSnapshot, error) {
	var (
		snap     avp.CedarSnapshot
		found    bool
		policies []avp.Policy
	)
	templates := map[string]avp.PolicyTemplate{}
	err := s.queryPrefix(ctx, account, policyStoreID, "", "", nil, func(raw map[string]types.AttributeValue) (bool, error) {
		switch attrs(raw).str(attrType) {
		case typePolicyStore:
			ps, err := decodeItem[avp.PolicyStore, policyStoreItem](raw)
			if err != nil {
				return false, err
			}
			var it policyStoreItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return false, fmt.Errorf("decode item: %w", err)
			}
			found = !it.Deleting
			snap.Version, snap.ValidationMode = it.CedarVersion, ps.ValidationMode
		case typePolicy:
			p, err := decodeItem[avp.Policy, policyItem](raw)
			if err != nil {
				return false, err
			}
			policies = append(policies, p)
		case typeTemplate:
			t, err := decodeItem[avp.PolicyTemplate, templateItem](raw)
			if err != nil {
				return false, err
			}
			templates[t.PolicyTemplateID] = t
			snap.Templates = append(snap.Templates, t)
		case typeSchema:
			sc, err := decodeItem[avp.Schema, schemaItem](raw)
			if err != nil {
				return false, err
			}
			snap.Schema = &sc.Schema
		case typeIdentitySource:
			if snap.IdentitySource != nil {
				break // one per store; the first by id, as ListIdentitySources orders them
			}
			is, err := decodeItem[avp.IdentitySource, identitySourceItem](raw)
			if err != nil {
				return false, err
			}
			snap.IdentitySource = &is
		}
		return true, nil
	})
	if err != nil {
		return avp.CedarSnapshot{}, fmt.Errorf("store: read policies of %s: %w", policyStoreID, err)
	}
	if !found {
		return avp.CedarSnapshot{}, fmt.Errorf("store: policy store %s: %w", policyStoreID, avp.ErrNotFound)
	}
	for _, p := range policies {
		if p.PolicyType == avp.PolicyTypeTemplateLinked {
			t, ok := templates[p.PolicyTemplateID]
			if !ok {
				continue // deleted with its template
			}
			p.Resolve(t)
		}
		snap.Policies = append(snap.Policies, p)
	}
	slices.SortFunc(snap.Policies, func(a, b avp.Policy) int { return strings.Compare(a.PolicyID, b.PolicyID) })
	return snap, nil
}

// CedarVersion returns a store's Cedar version with one GetItem of two
// attributes, for a cache to tell whether a snapshot is current.
func (s *Store) CedarVersion(ctx context.Context, account, policyStoreID string) (int64, error) {
	res, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(storePK(account, policyStoreID), skStore),
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String("pk, cedarVersion, deleting"),
	})
	if err != nil {
		return 0, fmt.Errorf("store: cedar version of %s: %w", policyStoreID, classify(err))
	}
	if res.Item == nil || !live(res.Item) {
		return 0, fmt.Errorf("store: policy store %s: %w", policyStoreID, avp.ErrNotFound)
	}
	var v struct {
		CedarVersion int64 `dynamodbav:"cedarVersion"`
	}
	if err := attributevalue.UnmarshalMap(res.Item, &v); err != nil {
		return 0, fmt.Errorf("store: decode cedar version: %w", err)
	}
	return v.CedarVersion, nil
}

// errStale: the item changed between a read and a conditional write.
var errStale = errors.New("stale read")

// markDeleting begins a store's deletion: from now on the store reads as
// missing (GetPolicyStore, aliases, every write of its Cedar half fails
// its condition) and it leaves the list of stores (gsi1).
func (s *Store) markDeleting(ctx context.Context, account, psID string) error {
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(storePK(account, psID), skStore),
		ConditionExpression:       aws.String("attribute_exists(pk) AND deletionProtection = :off AND attribute_not_exists(deleting)"),
		UpdateExpression:          aws.String("SET deleting = :t REMOVE gsi1pk, gsi1sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":off": str(avp.DeletionProtectionDisabled), ":t": &types.AttributeValueMemberBOOL{Value: true}},
	})
	switch {
	case isConditionFailed(err):
		return errStale
	case err != nil:
		return fmt.Errorf("store: delete policy store %s: %w", psID, classify(err))
	}
	return nil
}

// cedarTypes are the item types of a store's Cedar half.
var cedarTypes = map[string]bool{typePolicy: true, typeTemplate: true, typeSchema: true, typePolicyName: true, typeTemplateName: true, typeResourceSize: true}

// sweepCedar deletes every item of a store's Cedar half, in batches.
func (s *Store) sweepCedar(ctx context.Context, account, psID string) error {
	_, err := s.sweep(ctx, account, psID, "", false, func(raw map[string]types.AttributeValue) bool {
		return cedarTypes[attrs(raw).str(attrType)]
	})
	return err
}
