// A third-party OID4VCI client (@sphereon/oid4vci-client, pinned in package-lock.json) driving
// attest's pre-authorized code flow the way a wallet does: resolve the offer link, read the
// issuer and authorization server metadata, redeem the code (with the PIN if given), fetch a
// c_nonce and prove possession of a freshly generated Ed25519 key (did:jwk), receive the
// credential. Prints {"holder": did, "response": <credential response>} as JSON on stdout.
//
//   node wallet.cjs OFFER_LINK CONFIGURATION_ID [PIN]
// Run by tests/oid4vci_client.rs with NODE_PATH pointing at the `npm ci` install.
'use strict';
const crypto = require('node:crypto');
const { OpenID4VCIClientV1_0_15 } = require('@sphereon/oid4vci-client');

async function main() {
  const [uri, configuration, pin] = process.argv.slice(2);
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const did = 'did:jwk:' + Buffer.from(JSON.stringify(jwk)).toString('base64url');
  const kid = `${did}#0`;
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signCallback = async (args) => {
    if (process.env.OID4VCI_TRACE) process.stderr.write(`proof: ${JSON.stringify(args)}\n`);
    const input = `${b64(args.header)}.${b64(args.payload)}`;
    const signature = crypto.sign(null, Buffer.from(input), privateKey).toString('base64url');
    return `${input}.${signature}`;
  };
  const client = await OpenID4VCIClientV1_0_15.fromURI({ uri, kid, alg: 'EdDSA', retrieveServerMetadata: true });
  await client.acquireAccessToken(pin ? { pin } : {});
  const response = await client.acquireCredentials({
    credentialConfigurationId: configuration,
    proofCallbacks: { signCallback },
    kid,
    alg: 'EdDSA',
  });
  process.stdout.write(JSON.stringify({ holder: did, response }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`wallet failed: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
