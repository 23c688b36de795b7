package drift

import "context"

// verifyIssuer checks an issuer once per run; every identity source that
// names it shares the verdict.
func (r *run) verifyIssuer(ctx context.Context, issuer string) error {
	_, err := r.issuers.do(ctx, issuer, func() (struct{}, error) {
		r.issuerChecks.Add(1)
		return struct{}{}, r.cfg.Issuers.VerifyIssuer(r.ctx, issuer)
	})
	return err
}
