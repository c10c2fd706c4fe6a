/* sign.js - signed commands: a JWS compact serialization (RFC 7515, HS256), the format the gateway
 * verifies (gateway/base/jws.c): header {"alg":"HS256","kid":OPERATOR}, claims = the command's
 * fields + iat (Unix seconds) + jti, HMAC-SHA-256 over "b64url(header).b64url(claims)" with the
 * operator's key (the text of its key file, first line). WebCrypto signs where the page is a secure
 * context (https, or http from 127.0.0.1/localhost); elsewhere crypto.subtle does not exist and
 * the small SHA-256 below does the same. Classic script: defines window.StewardSign. */
(function () {
  "use strict";

  function utf8(s) { return new TextEncoder().encode(s); }

  function b64url(bytes) {
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  /* ---- SHA-256 / HMAC for pages served over plain http from another host ---- */
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function sha256(msg) {
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19];
    var l = msg.length, n = ((l + 9 + 63) >> 6) << 6;
    var m = new Uint8Array(n);
    m.set(msg);
    m[l] = 0x80;
    var bits = l * 8;
    for (var i = 0; i < 4; i++) m[n - 1 - i] = (bits >>> (8 * i)) & 0xff;
    m[n - 5] = Math.floor(l / 0x20000000) & 0xff;
    var w = new Array(64);
    for (var off = 0; off < n; off += 64) {
      for (i = 0; i < 16; i++)
        w[i] = (m[off + 4 * i] << 24) | (m[off + 4 * i + 1] << 16) | (m[off + 4 * i + 2] << 8) |
          m[off + 4 * i + 3];
      for (i = 16; i < 64; i++) {
        var a0 = w[i - 15], a1 = w[i - 2];
        var s0 = ((a0 >>> 7) | (a0 << 25)) ^ ((a0 >>> 18) | (a0 << 14)) ^ (a0 >>> 3);
        var s1 = ((a1 >>> 17) | (a1 << 15)) ^ ((a1 >>> 19) | (a1 << 13)) ^ (a1 >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 8; i++) {
      out[4 * i] = h[i] >>> 24; out[4 * i + 1] = (h[i] >>> 16) & 0xff;
      out[4 * i + 2] = (h[i] >>> 8) & 0xff; out[4 * i + 3] = h[i] & 0xff;
    }
    return out;
  }

  function hmacSoft(key, data) {
    if (key.length > 64) key = sha256(key);
    var ipad = new Uint8Array(64 + data.length), opad = new Uint8Array(64 + 32);
    for (var i = 0; i < 64; i++) {
      var k = i < key.length ? key[i] : 0;
      ipad[i] = k ^ 0x36;
      opad[i] = k ^ 0x5c;
    }
    ipad.set(data, 64);
    opad.set(sha256(ipad), 64);
    return sha256(opad);
  }

  /* HMAC-SHA-256 of data with key (both Uint8Array), as a Promise of a Uint8Array. */
  function hmac(key, data) {
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) return Promise.resolve(hmacSoft(key, data));
    return subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (k) { return subtle.sign("HMAC", k, data); })
      .then(function (sig) { return new Uint8Array(sig); });
  }

  function jti() {
    var b = new Uint8Array(12);
    window.crypto.getRandomValues(b);
    return b64url(b);
  }

  /* Signs the command fields (an object) as kid with the key text; a Promise of the token. */
  function signCommand(fields, kid, keyText, nowMs) {
    var claims = {};
    Object.keys(fields).forEach(function (k) { claims[k] = fields[k]; });
    claims.iat = Math.floor((nowMs === undefined ? Date.now() : nowMs) / 1000);
    claims.jti = jti();
    var input = b64url(utf8(JSON.stringify({ alg: "HS256", kid: kid }))) + "." +
      b64url(utf8(JSON.stringify(claims)));
    return hmac(utf8(keyText), utf8(input)).then(function (mac) {
      return input + "." + b64url(mac);
    });
  }

  window.StewardSign = {
    signCommand: signCommand, hmac: hmac, hmacSoft: hmacSoft, sha256: sha256, b64url: b64url
  };
})();
