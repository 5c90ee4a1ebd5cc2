/**
 * RFC 5849 §3.4.1 example and oauthlib's 1024-bit RSA test key, as collected
 * in the project's OAuth 1.0a reference notes (bitbucket-and-oauth1.md) §3.5 A (vectors taken
 * from oauthlib/oauthlib tests/oauth1/rfc5849/test_signatures.py). Test data
 * only: this key is public and must never be used for anything real.
 */
export const RFC_URL = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b";
export const RFC_BODY = "c2&a3=2+q";
export const RFC_AUTHORIZATION =
  'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", ' +
  'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", ' +
  'oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"';

/** The parameters collected from the RFC example (§3.4.1.3.1): decoded, duplicates kept, realm dropped, in request order. */
export const RFC_PARAMS: Array<[string, string]> = [
  ["b5", "=%3D"],
  ["a3", "a"],
  ["c@", ""],
  ["a2", "r b"],
  ["oauth_consumer_key", "9djdj82h48djs9d2"],
  ["oauth_token", "kkk9d7dh3k39sjv7"],
  ["oauth_signature_method", "HMAC-SHA1"],
  ["oauth_timestamp", "137131201"],
  ["oauth_nonce", "7d8f3e4a"],
  ["c2", ""],
  ["a3", "2 q"],
];

export const RFC_NORMALIZED =
  "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7";

export const RFC_BASE_STRING =
  "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7";

export const RFC_CLIENT_SECRET = "ECrDNoq1VYzzzzzzzzzyAK7TwZNtPnkqatqZZZZ";
export const RFC_TOKEN_SECRET = "just-a-string    asdasd";
export const RFC_HMAC_SHA1 = "wsdNmjGB7lvis0UJuPAmjvX/PXw=";
export const RFC_RSA_SHA1 =
  "mFY2KOEnlYWsTvUA+5kxuBIcvBYXu+ljw9ttVJQxKduMueGSVPCB1tK1PlqVLK738HK0t19ecBJfb6rMxUwrriw+MlBO+jpojkZIWccw1J4cAb4qu4M81DbpUAq4j/1w/QyTR4TWCODlEfN7Zfgy8+pf+TjiXfIwRC1jEWbuL1E=";

export const OAUTHLIB_KEY_PKCS1 = `-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDk1/bxyS8Q8jiheHeYYp/4rEKJopeQRRKKpZI4s5i+UPwVpupG
AlwXWfzXwSMaKPAoKJNdu7tqKRniqst5uoHXw98gj0x7zamu0Ck1LtQ4c7pFMVah
5IYGhBi2E9ycNS329W27nJPWNCbESTu7snVlG8V8mfvGGg3xNjTMO7IdrwIDAQAB
AoGBAOQ2KuH8S5+OrsL4K+wfjoCi6MfxCUyqVU9GxocdM1m30WyWRFMEz2nKJ8fR
p3vTD4w8yplTOhcoXdQZl0kRoaDzrcYkm2VvJtQRrX7dKFT8dR8D/Tr7dNQLOXfC
DY6xveQczE7qt7Vk7lp4FqmxBsaaEuokt78pOOjywZoInjZhAkEA9wz3zoZNT0/i
rf6qv2qTIeieUB035N3dyw6f1BGSWYaXSuerDCD/J1qZbAPKKhyHZbVawFt3UMhe
542UftBaxQJBAO0iJy1I8GQjGnS7B3yvyH3CcLYGy296+XO/2xKp/d/ty1OIeovx
C60pLNwuFNF3z9d2GVQAdoQ89hUkOtjZLeMCQQD0JO6oPHUeUjYT+T7ImAv7UKVT
Suy30sKjLzqoGw1kR+wv7C5PeDRvscs4wa4CW9s6mjSrMDkDrmCLuJDtmf55AkEA
kmaMg2PNrjUR51F0zOEFycaaqXbGcFwe1/xx9zLmHzMDXd4bsnwt9kk+fe0hQzVS
JzatanQit3+feev1PN3QewJAWv4RZeavEUhKv+kLe95Yd0su7lTLVduVgh4v5yLT
Ga6FHdjGPcfajt+nrpB1n8UQBEH9ZxniokR/IPvdMlxqXA==
-----END RSA PRIVATE KEY-----
`;

export const OAUTHLIB_KEY_PKCS8 = `-----BEGIN PRIVATE KEY-----
MIICeAIBADANBgkqhkiG9w0BAQEFAASCAmIwggJeAgEAAoGBAOTX9vHJLxDyOKF4
d5hin/isQomil5BFEoqlkjizmL5Q/BWm6kYCXBdZ/NfBIxoo8Cgok127u2opGeKq
y3m6gdfD3yCPTHvNqa7QKTUu1DhzukUxVqHkhgaEGLYT3Jw1Lfb1bbuck9Y0JsRJ
O7uydWUbxXyZ+8YaDfE2NMw7sh2vAgMBAAECgYEA5DYq4fxLn46uwvgr7B+OgKLo
x/EJTKpVT0bGhx0zWbfRbJZEUwTPaconx9Gne9MPjDzKmVM6Fyhd1BmXSRGhoPOt
xiSbZW8m1BGtft0oVPx1HwP9Ovt01As5d8INjrG95BzMTuq3tWTuWngWqbEGxpoS
6iS3vyk46PLBmgieNmECQQD3DPfOhk1PT+Kt/qq/apMh6J5QHTfk3d3LDp/UEZJZ
hpdK56sMIP8nWplsA8oqHIdltVrAW3dQyF7njZR+0FrFAkEA7SInLUjwZCMadLsH
fK/IfcJwtgbLb3r5c7/bEqn93+3LU4h6i/ELrSks3C4U0XfP13YZVAB2hDz2FSQ6
2Nkt4wJBAPQk7qg8dR5SNhP5PsiYC/tQpVNK7LfSwqMvOqgbDWRH7C/sLk94NG+x
yzjBrgJb2zqaNKswOQOuYIu4kO2Z/nkCQQCSZoyDY82uNRHnUXTM4QXJxpqpdsZw
XB7X/HH3MuYfMwNd3huyfC32ST597SFDNVInNq1qdCK3f5956/U83dB7AkBa/hFl
5q8RSEq/6Qt73lh3Sy7uVMtV25WCHi/nItMZroUd2MY9x9qO36eukHWfxRAEQf1n
GeKiRH8g+90yXGpc
-----END PRIVATE KEY-----
`;
