import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../../functions/shared/crypto/envelope-sealer.js';
import type { StoredEvent } from '../../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../../functions/shared/events/memory-store.js';
import { bankDetailsInForce, changeInForce } from '../../../../functions/workflows/vendor-bank-details/domain/bank-details-in-force.js';
import { vendorEvents } from '../../../../functions/workflows/vendor-bank-details/domain/vendor-events.js';
import { vendorIdOf, vendorStreamOf } from '../../../../functions/workflows/vendor-bank-details/domain/vendor-id.js';

const ACME = 'Acme Office Supplies';
const ACME_IBAN = 'IE48XMPL93115212345678';
const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });

/** A vendor's stream with these changes, written as record-bank-details-change writes them (IBAN and name sealed). */
async function register(changes: { effectiveDate: string; iban?: string; vendor?: string; rejected?: boolean }[], name = ACME) {
  const store = new InMemoryEventStore({ sealer });
  const stream = vendorStreamOf(name);
  for (const [i, change] of changes.entries()) {
    const common = { vendorId: vendorIdOf(name), ibanMasked: 'IE48 **** 5678', executionId: `vendor-bank-details:e${i}`, approvalId: `vendor-bank-details:e${i}-1` };
    const event = change.rejected
      ? vendorEvents.VendorBankDetailsChangeRejected({ actor: 'step:record-rejection', data: { ...common, reason: 'rejected' } })
      : vendorEvents.VendorBankDetailsChanged({ actor: 'step:record-bank-details-change', data: { ...common, effectiveDate: change.effectiveDate }, sensitive: { iban: change.iban ?? ACME_IBAN, vendor: change.vendor ?? name } });
    await store.append(stream, i, [event]);
  }
  return store;
}

describe('the vendor register: bank details in force', () => {
  it('answers unregistered for a vendor without an approved change, rejected changes included', async () => {
    expect(await bankDetailsInForce(await register([]), sealer, ACME, '2026-12-03')).toEqual({ status: 'unregistered' });
    expect(await bankDetailsInForce(await register([{ effectiveDate: '2026-01-01', rejected: true }]), sealer, ACME, '2026-12-03')).toEqual({ status: 'unregistered' });
  });

  it('opens the sealed IBAN of the change in force, from its effective date on (the day itself included)', async () => {
    const store = await register([{ effectiveDate: '2026-12-03' }]);
    expect(await bankDetailsInForce(store, sealer, ACME, '2026-12-02')).toEqual({ status: 'not-yet-in-force' });
    expect(await bankDetailsInForce(store, sealer, ACME, '2026-12-03')).toEqual({ status: 'in-force', iban: ACME_IBAN, effectiveDate: '2026-12-03', version: 1 });
  });

  it('reads the name by vendorIdOf rules: case and spacing are the same vendor, a lookalike is not', async () => {
    const store = await register([{ effectiveDate: '2026-01-01' }]);
    expect((await bankDetailsInForce(store, sealer, '  acme   OFFICE supplies ', '2026-12-03')).status).toBe('in-force');
    for (const lookalike of ['\u0410cme Office Supplies', 'Acme Office Supplies Ltd', 'Acme 0ffice Supplies']) {
      expect(await bankDetailsInForce(store, sealer, lookalike, '2026-12-03'), lookalike).toEqual({ status: 'unregistered' });
    }
  });

  it('answers unusable when the change in force does not open into a valid IBAN, and unregistered when it names another vendor', async () => {
    expect(await bankDetailsInForce(await register([{ effectiveDate: '2026-01-01', iban: 'IE49XMPL93115212345678' }]), sealer, ACME, '2026-12-03')).toEqual({ status: 'unusable', version: 1 });
    // A name that shares the stream (an id collision) is not this vendor's record.
    expect(await bankDetailsInForce(await register([{ effectiveDate: '2026-01-01', vendor: 'Someone Else Ltd' }]), sealer, ACME, '2026-12-03')).toEqual({ status: 'unregistered' });
  });
});

describe('changeInForce', () => {
  const changed = (version: number, effectiveDate: unknown, type = 'VendorBankDetailsChanged'): StoredEvent =>
    ({ type, version, data: { effectiveDate } }) as unknown as StoredEvent;

  it('is the latest recorded change effective by today: a later decision wins even when it takes effect earlier', () => {
    const events = [changed(1, '2026-06-01'), changed(2, '2026-03-01'), changed(3, '2027-01-15')];
    expect(changeInForce(events, '2026-12-03')?.version).toBe(2);
    expect(changeInForce(events, '2027-01-15')?.version).toBe(3);
    expect(changeInForce(events, '2026-02-28')).toBeUndefined();
  });

  it('never counts a rejection or a date that is not a calendar date', () => {
    expect(changeInForce([changed(1, '2026-01-01', 'VendorBankDetailsChangeRejected'), changed(2, '2026-02-30'), changed(3, 20260101)], '2026-12-03')).toBeUndefined();
  });
});
