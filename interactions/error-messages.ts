/**
 * Plain-language headings for the OAuth errors oidc-provider cannot send back
 * to the application (renderError: unknown client, unregistered redirect_uri,
 * a broken request; RFC 6749 §4.1.2.1 says these must not be redirected). The
 * code and the provider's description stay on the page for whoever debugs.
 */
interface ReadableError {
  heading: string;
  advice: string;
  links?: { href: string; text: string }[];
}

const GO_BACK = 'Go back to the application and try again. If this keeps happening, contact the application’s support.';

const MESSAGES: Record<string, ReadableError> = {
  invalid_client: {
    heading: 'This application is not recognised',
    advice: 'The sign-in link came from an application that is not registered here, or that has been disabled. Contact the application’s support.',
  },
  invalid_redirect_uri: {
    heading: 'This application’s return address is not allowed',
    advice: 'For your safety you were not sent back to the application, because the address it asked for is not registered. Contact the application’s support.',
  },
  unauthorized_client: { heading: 'This application may not sign you in this way', advice: GO_BACK },
  unsupported_response_type: { heading: 'This sign-in request is not supported', advice: GO_BACK },
  invalid_request: { heading: 'This sign-in request is not valid', advice: GO_BACK },
  invalid_scope: { heading: 'The application asked for something it may not have', advice: GO_BACK },
  access_denied: { heading: 'Access was not granted', advice: 'You can close this page.' },
  login_required: { heading: 'You need to sign in', advice: GO_BACK },
  invalid_request_uri: { heading: 'This sign-in request has expired', advice: GO_BACK },
  invalid_request_object: { heading: 'This sign-in request is not valid', advice: GO_BACK },
  server_error: { heading: 'Something went wrong on our side', advice: 'Try again in a moment.' },
  temporarily_unavailable: { heading: 'The service is busy', advice: 'Try again in a moment.' },
  // Our own routes (src/http/not-found.ts): an address nothing answers.
  not_found: {
    heading: 'Page not found',
    advice: 'There is nothing at this address. Check the link, or start again from the start page.',
    links: [{ href: '/', text: 'Go to the start page' }, { href: '/account', text: 'Your account' }],
  },
};

export function readableError(code: string): ReadableError {
  return MESSAGES[code] ?? { heading: 'Something went wrong', advice: GO_BACK };
}
