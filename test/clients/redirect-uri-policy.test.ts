import {
  backchannelLogoutUriProblem, isLoopbackRedirect, isPrivateUseSchemeRedirect, quoteValue, redirectUriProblem, redirectUriProblems,
} from '../../src/clients/redirect-uri-policy.js';

describe('redirect URI policy', () => {
  it.each([
    ['https://app.example.com/callback', 'web'],
    ['https://app.example.com/cb?tenant=a', 'web'],
    ['http://127.0.0.1:8080/cb', 'web'],
    ['http://[::1]/cb', 'web'],
    ['http://127.0.0.1/cb', 'native'],
    ['com.example.app:/oauth2redirect', 'native'],
    ['https://app.example.com/native-claimed', 'native'],
    // RFC 8252 §8.3: NOT RECOMMENDED, not forbidden; allowed by default.
    ['http://localhost:4242', 'native'],
    ['http://localhost/cb', 'web'],
  ] as const)('accepts %s for a %s client', (uri, type) => {
    expect(redirectUriProblem(uri, type)).toBeUndefined();
  });

  it.each([
    ['https://*.example.com/cb', 'web', /wildcards/],
    ['https://app.example.com/cb#frag', 'web', /fragment/],
    ['https://user:pw@app.example.com/cb', 'web', /user information/],
    ['http://app.example.com/cb', 'web', /https/],
    ['http://localhost.example.com/cb', 'native', /https/],
    ['https://localhost/cb', 'native', /loopback/],
    ['https://127.0.0.1/cb', 'native', /loopback/],
    ['com.example.app:/cb', 'web', /native/],
    ['myapp:/cb', 'native', /reverse-domain/],
    ['javascript:alert(1)', 'native', /javascript/],
    ['/relative/cb', 'web', /absolute/],
    ['', 'web', /non-empty/],
  ] as const)('refuses %s for a %s client', (uri, type, rule) => {
    expect(redirectUriProblem(uri, type)).toMatch(rule);
  });

  it('refuses the name localhost, and only it, when REDIRECT_URI_LOCALHOST=deny', () => {
    const deny = { localhost: 'deny' } as const;
    expect(redirectUriProblem('http://localhost:3000/cb', 'native', deny)).toMatch(/not the name localhost/);
    expect(redirectUriProblem('http://localhost/cb', 'web', deny)).toMatch(/REDIRECT_URI_LOCALHOST=deny/);
    expect(redirectUriProblem('http://127.0.0.1:3000/cb', 'native', deny)).toBeUndefined();
    expect(redirectUriProblem('http://[::1]/cb', 'web', deny)).toBeUndefined();
  });

  it('tells loopback and private-use scheme redirects apart', () => {
    expect(['http://localhost:4242', 'http://127.0.0.1/cb', 'http://[::1]:1/x'].every(isLoopbackRedirect)).toBe(true);
    expect(['https://localhost/cb', 'http://localhost.example/cb', 'edu.kit.data.oidc-agent:/redirect'].some(isLoopbackRedirect)).toBe(false);
    expect(isPrivateUseSchemeRedirect('edu.kit.data.oidc-agent:/redirect')).toBe(true);
    expect(isPrivateUseSchemeRedirect('https://app.example.com/cb')).toBe(false);
  });

  it('never puts a raw double quote in a problem line', () => {
    const [line] = redirectUriProblems(['http://app.example.com/"quoted"\n'], 'web');
    expect(line).toBeDefined();
    expect(line).not.toMatch(/["\n]/);
    expect(line).toContain("'http://app.example.com/%22quoted%22%0A'");
    expect(quoteValue("it's")).toBe("'it%27s'");
  });
});

describe('back-channel logout URI policy', () => {
  const operator = { confidential: true, selfService: false };
  it('accepts https, and http on loopback for an operator-made confidential client', () => {
    expect(backchannelLogoutUriProblem('https://rp.example.com/logout', { ...operator, selfService: true })).toBeUndefined();
    expect(backchannelLogoutUriProblem('http://127.0.0.1:8081/logout', operator)).toBeUndefined();
  });

  it.each([
    ['http://rp.example.com/logout', operator, /https/],
    ['https://rp.example.com/logout#x', operator, /fragment/],
    ['http://127.0.0.1:8081/logout', { confidential: false, selfService: false }, /confidential/],
    ['http://127.0.0.1:8081/logout', { confidential: true, selfService: true }, /loopback/],
    ['https://localhost/logout', { confidential: true, selfService: true }, /loopback/],
    ['rp.example:/logout', operator, /https URL/],
  ])('refuses %s (%o)', (uri, options, rule) => {
    expect(backchannelLogoutUriProblem(uri, options)).toMatch(rule);
  });
});
