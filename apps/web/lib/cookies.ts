/** Reading and writing the site's own HttpOnly cookies. */

export function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Over HTTPS (directly or, as provisioned, behind Caddy) a cookie is sent over HTTPS only. */
function secureRequest(request: Request): boolean {
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return (proto ?? new URL(request.url).protocol.replace(':', '')) === 'https';
}

/** A Set-Cookie value that scripts in the page cannot read and other sites do not send. */
export function setCookie(request: Request, name: string, value: string, maxAgeSeconds: number): string {
  const attributes = ['Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(secureRequest(request) ? ['Secure'] : [])];
  return `${name}=${value}; ${attributes.join('; ')}`;
}
