// Package model checks vpid's validation against AVP's service model, the
// one every AWS SDK ships: its tests walk the input of every operation the
// entry table serves and build requests that break each constraint of the
// model (and each bound of avp.Limits) one at a time. It has no code of its
// own; the model is located through the installed botocore at test time.
package model
