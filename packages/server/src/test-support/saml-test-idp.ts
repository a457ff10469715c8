// A small but real SAML 2.0 identity provider for end-to-end tests, on its own port: it publishes its
// metadata with a fresh self-signed certificate, takes an AuthnRequest over HTTP-Redirect (deflated,
// base64), and answers with the auto-submitting HTML form of the HTTP-POST binding carrying a Response
// whose Assertion is signed (RSA-SHA256, exclusive C14N) with xml-crypto. Tests choose the next person and
// can spoil the answer on purpose (wrong key, wrong audience, expired, changed after signing).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { generate } from 'selfsigned';
import { SignedXml } from 'xml-crypto';

export interface SamlTestPerson {
  nameId: string;
  attributes: Record<string, string>;
}

export interface SamlSpoilers {
  signWithOtherKey?: boolean;
  audience?: string;
  /** Shift NotOnOrAfter (and NotBefore) by this many ms; negative = already expired. */
  validityShiftMs?: number;
  alterAfterSigning?: boolean;
}

export interface SamlTestIdp {
  entityId: string;
  metadataUrl: string;
  nextPerson: SamlTestPerson | null;
  spoil: SamlSpoilers;
  close(): Promise<void>;
}

const escape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const certBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const id = () => `_${randomBytes(16).toString('hex')}`;

function attributeOf(xml: string, element: string, attribute: string): string | null {
  const tag = new RegExp(`<(?:\\w+:)?${element}\\b[^>]*>`).exec(xml)?.[0] ?? '';
  return new RegExp(`\\s${attribute}="([^"]*)"`).exec(tag)?.[1] ?? null;
}

export async function startSamlTestIdp(): Promise<SamlTestIdp> {
  const [signing, other] = await Promise.all([
    generate([{ name: 'commonName', value: 'SAML Test IdP' }], { keySize: 2048, algorithm: 'sha256' }),
    generate([{ name: 'commonName', value: 'Somebody else' }], { keySize: 2048, algorithm: 'sha256' }),
  ]);
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      res.writeHead(500).end((error as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: SamlTestIdp = {
    entityId: `${base}/idp`,
    metadataUrl: `${base}/metadata`,
    nextPerson: null,
    spoil: {},
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function metadata(): string {
    return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idp.entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(signing.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  }

  function response(
    request: { id: string; acs: string; spEntityId: string },
    person: SamlTestPerson,
  ): string {
    const now = Date.now();
    const shift = idp.spoil.validityShiftMs ?? 0;
    const iso = (ms: number) => new Date(ms).toISOString();
    const assertionId = id();
    const attributes = Object.entries(person.attributes)
      .map(
        ([name, value]) =>
          `<saml:Attribute Name="${escape(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>${escape(value)}</saml:AttributeValue></saml:Attribute>`,
      )
      .join('');
    const assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${iso(now)}"><saml:Issuer>${idp.entityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${escape(person.nameId)}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${request.id}" NotOnOrAfter="${iso(now + shift + 300_000)}" Recipient="${escape(request.acs)}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(now + shift - 60_000)}" NotOnOrAfter="${iso(now + shift + 300_000)}"><saml:AudienceRestriction><saml:Audience>${escape(idp.spoil.audience ?? request.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`;
    const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${escape(request.acs)}" InResponseTo="${request.id}"><saml:Issuer>${idp.entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertion}</samlp:Response>`;
    const key = idp.spoil.signWithOtherKey ? other : signing;
    const signer = new SignedXml({
      privateKey: key.private,
      publicCert: key.cert,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    signer.addReference({
      xpath: `//*[local-name(.)='Assertion']`,
      transforms: [
        'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
        'http://www.w3.org/2001/10/xml-exc-c14n#',
      ],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    signer.computeSignature(xml, {
      prefix: 'ds',
      location: { reference: `//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']`, action: 'after' },
    });
    let signed = signer.getSignedXml();
    if (idp.spoil.alterAfterSigning) signed = signed.replace(person.nameId, `${person.nameId}-forged`);
    return signed;
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadata());
      return;
    }
    if (url.pathname === '/sso') {
      const encoded = url.searchParams.get('SAMLRequest');
      if (!encoded) return void res.writeHead(400).end('no SAMLRequest');
      const request = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
      const spEntityId = /<(?:\w+:)?Issuer[^>]*>([^<]+)</.exec(request)?.[1];
      const requestId = attributeOf(request, 'AuthnRequest', 'ID');
      const acs = attributeOf(request, 'AuthnRequest', 'AssertionConsumerServiceURL');
      if (!spEntityId || !requestId || !acs) return void res.writeHead(400).end('incomplete AuthnRequest');
      const person = idp.nextPerson;
      if (!person) return void res.writeHead(403).end('nobody logs in');
      const samlResponse = Buffer.from(response({ id: requestId, acs, spEntityId }, person)).toString(
        'base64',
      );
      const relayState = url.searchParams.get('RelayState') ?? '';
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escape(acs)}"><input type="hidden" name="SAMLResponse" value="${samlResponse}"><input type="hidden" name="RelayState" value="${escape(relayState)}"><noscript><button type="submit">Weiter</button></noscript></form></body></html>`,
        );
      return;
    }
    res.writeHead(404).end();
  }

  return idp;
}
