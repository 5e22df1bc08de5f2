import { describe, expect, it } from 'vitest';
import { ibanValid, ipv4Valid, ipv6Valid, luhnValid, ninoValid, ssnValid } from '../../../functions/shared/guards/pii-validators.js';

describe('luhnValid', () => {
  it.each(['4111111111111111', '5500005555555559', '378282246310005', '6011111111111117', '79927398713'])('accepts %s', (digits) => expect(luhnValid(digits)).toBe(true));
  it.each(['4111111111111112', '5500005555555558', '79927398710', '', '4111-1111'])('refuses %s', (digits) => expect(luhnValid(digits)).toBe(false));
});

describe('ibanValid', () => {
  it.each(['GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NO9386011117947', 'gb82west12345698765432'])('accepts %s', (iban) => expect(ibanValid(iban)).toBe(true));
  it.each([
    ['a changed check digit', 'GB83WEST12345698765432'],
    ['a changed account digit', 'GB82WEST12345698765433'],
    ['the wrong length for GB', 'GB82WEST1234569876543'],
    ['a country without IBANs', 'US82WEST12345698765432'],
    ['not an IBAN at all', 'hello'],
  ])('refuses %s', (_why, iban) => expect(ibanValid(iban)).toBe(false));
});

describe('ssnValid', () => {
  it('accepts numbers the SSA issues', () => {
    expect(ssnValid('123', '45', '6789')).toBe(true);
    expect(ssnValid('772', '10', '0001')).toBe(true);
  });
  it.each([
    ['area 000', '000', '12', '3456'],
    ['area 666', '666', '12', '3456'],
    ['area 9xx', '912', '12', '3456'],
    ['group 00', '123', '00', '3456'],
    ['serial 0000', '123', '45', '0000'],
    ['the Woolworth wallet card number', '078', '05', '1120'],
  ])('refuses %s', (_why, area, group, serial) => expect(ssnValid(area, group, serial)).toBe(false));
});

describe('ninoValid', () => {
  it('accepts a well-formed number', () => expect(ninoValid('AB123456C')).toBe(true));
  it.each(['GB123456A', 'BG123456A', 'DA123456A', 'AO123456A', 'AB123456E', 'AB12345C'])('refuses %s', (nino) => expect(ninoValid(nino)).toBe(false));
});

describe('ipv4Valid / ipv6Valid', () => {
  it('reads dotted quads in range', () => {
    expect(ipv4Valid('192.168.0.1')).toBe(true);
    expect(ipv4Valid('256.1.1.1')).toBe(false);
    expect(ipv4Valid('01.2.3.4')).toBe(false);
  });
  it.each(['2001:db8::1', '::1', 'fe80::1ff:fe23:4567:890a', '6e40:4041:c617:e898:c11:40d2:c669:2eb4', '::ffff:192.0.2.1'])('accepts %s', (ip) => expect(ipv6Valid(ip)).toBe(true));
  it.each(['10:30:00', '1:2:3:4:5:6:7', '2001:db8::1::2', '12345::1', 'a:b:c'])('refuses %s', (ip) => expect(ipv6Valid(ip)).toBe(false));
});
