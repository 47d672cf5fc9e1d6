import { redirectUriProblem } from '../../src/clients/redirect-uri-policy.js';

describe('redirect URI policy', () => {
  it.each([
    ['https://app.example.com/callback', 'web'],
    ['https://app.example.com/cb?tenant=a', 'web'],
    ['http://127.0.0.1:8080/cb', 'web'],
    ['http://[::1]/cb', 'web'],
    ['http://127.0.0.1/cb', 'native'],
    ['com.example.app:/oauth2redirect', 'native'],
    ['https://app.example.com/native-claimed', 'native'],
  ] as const)('accepts %s for a %s client', (uri, type) => {
    expect(redirectUriProblem(uri, type)).toBeUndefined();
  });

  it.each([
    ['https://*.example.com/cb', 'web', /wildcards/],
    ['https://app.example.com/cb#frag', 'web', /fragment/],
    ['https://user:pw@app.example.com/cb', 'web', /user information/],
    ['http://app.example.com/cb', 'web', /https/],
    ['http://localhost:3000/cb', 'native', /localhost/],
    ['http://localhost/cb', 'web', /localhost/],
    ['https://127.0.0.1/cb', 'native', /loopback/],
    ['com.example.app:/cb', 'web', /native/],
    ['myapp:/cb', 'native', /reverse-domain/],
    ['javascript:alert(1)', 'native', /javascript/],
    ['/relative/cb', 'web', /absolute/],
    ['', 'web', /non-empty/],
  ] as const)('refuses %s for a %s client', (uri, type, rule) => {
    expect(redirectUriProblem(uri, type)).toMatch(rule);
  });
});
