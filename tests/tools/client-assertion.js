// Signs RFC 7523 client assertions with node:crypto alone: a client the node's code did not write.
// stdin: [{"alg":"RS256|PS256|ES256|…","jwk":{private JWK},"kid":"…","claims":{…}}, …]; stdout: the compact JWTs, one a line.
'use strict';
const crypto = require('node:crypto');

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');

function sign({ alg, jwk, kid, claims }) {
  const header = { alg, typ: 'client-authentication+jwt', kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const hash = `sha${alg.slice(2)}`;
  const options = alg.startsWith('PS')
    ? { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }
    : alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key;
  return `${input}.${b64url(crypto.sign(hash, Buffer.from(input), options))}`;
}

let text = '';
process.stdin.on('data', (chunk) => { text += chunk; });
process.stdin.on('end', () => {
  for (const request of JSON.parse(text)) process.stdout.write(sign(request) + '\n');
});
